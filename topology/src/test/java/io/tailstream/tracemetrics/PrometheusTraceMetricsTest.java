package io.tailstream.tracemetrics;

import static io.tailstream.tracemetrics.MetricsFixtures.checkout;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tailstream.config.ConfigLoader;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.WireTraceView;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trace metrics on {@code /metrics}, under the collector's Prometheus names. */
class PrometheusTraceMetricsTest {

  @Test
  void scrapeHasTheCollectorsNamesAndExactValues() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SamplerMetrics metrics = new SamplerMetrics(registry,
        ConfigLoader.fromMap(Map.of()).metrics());
    for (int i = 1; i <= 2; i++) {
      var data = checkout(i);
      metrics.traceMetrics().traceDecided(WireTraceView.of(data.toByteArray(), CompletionReason.IDLE),
          i == 1, 0.5);
    }
    String scrape = registry.scrape();
    assertThat(scrape).contains("traces_span_metrics_calls_total{service_name=\"payment\","
        + "span_kind=\"SPAN_KIND_SERVER\",span_name=\"charge\",status_code=\"STATUS_CODE_ERROR\"}"
        + " 2");
    assertThat(scrape).contains("traces_span_metrics_duration_milliseconds_bucket{"
        + "service_name=\"frontend\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /checkout\","
        + "status_code=\"STATUS_CODE_UNSET\",le=\"100.0\"} 0");
    assertThat(scrape).contains("traces_span_metrics_duration_milliseconds_bucket{"
        + "service_name=\"frontend\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /checkout\","
        + "status_code=\"STATUS_CODE_UNSET\",le=\"200.0\"} 2");
    assertThat(scrape).contains("traces_span_metrics_duration_milliseconds_sum{"
        + "service_name=\"frontend\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /checkout\","
        + "status_code=\"STATUS_CODE_UNSET\"} 240");
    assertThat(scrape).contains("traces_service_graph_request_total{client=\"frontend\","
        + "connection_type=\"\",server=\"payment\"} 2");
    assertThat(scrape).contains("traces_service_graph_request_failed_total{client=\"frontend\","
        + "connection_type=\"\",server=\"payment\"} 2");
    assertThat(scrape).contains("traces_service_graph_request_server_seconds_count{"
        + "client=\"payment\",connection_type=\"messaging_system\",server=\"ledger\"} 2");
    assertThat(scrape).contains("tailstream_trace_count_total{root_service=\"frontend\"} 2");
    assertThat(scrape).contains("tailstream_trace_kept_total{root_name=\"GET /checkout\","
        + "root_service=\"frontend\"} 1");
    assertThat(scrape).contains("tailstream_trace_adjusted_count_total{root_name=\"GET /checkout\","
        + "root_service=\"frontend\"} 2");
    assertThat(scrape).contains("tailstream_trace_duration_seconds_bucket{outcome=\"error\","
        + "root_name=\"GET /checkout\",root_service=\"frontend\",le=\"0.2\"} 2");
    assertThat(scrape).contains("tailstream_buffer_traces ");
    assertThat(scrape).contains("tailstream_decision_delay_seconds_bucket{");
    assertThat(scrape).contains("tailstream_trace_age_seconds_bucket{");
  }

  @Test
  void openMetricsScrapeCarriesExemplarsOfKeptTraces() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SamplerMetrics metrics = new SamplerMetrics(registry,
        ConfigLoader.fromMap(Map.of()).metrics());
    var data = checkout(7);
    metrics.traceMetrics().traceDecided(WireTraceView.of(data.toByteArray(), CompletionReason.IDLE),
        true, 1.0);
    String scrape = registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
    String traceId = java.util.HexFormat.of().formatHex(MetricsFixtures.traceId(7).toByteArray());
    assertThat(scrape).contains("# {span_id=\"0000000000000004\",trace_id=\"" + traceId + "\"}");
  }
}
