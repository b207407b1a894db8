package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard query extractor, on handcrafted PromQL and on the shipped dashboard. */
class DashboardQueriesTest {
  private static final Path DASHBOARD = DashboardQueries.SHIPPED;

  @TempDir Path dir;

  @Test
  void skipsFunctionsAndGroupingLabelsOfHistogramQuantile() {
    assertThat(DashboardQueries.metricNamesIn("histogram_quantile(0.99, sum by (le, service_name)"
        + " (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind=\"SPAN_KIND_SERVER\","
        + " service_name=~\"$service\"}[$__rate_interval])))"))
        .containsExactly("traces_span_metrics_duration_milliseconds_bucket");
  }

  @Test
  void skipsGrafanaVariablesRangesAndOffsets() {
    assertThat(DashboardQueries.metricNamesIn(
        "sum(rate(tailstream_spans_received_total[$__rate_interval])) offset 5m"
            + " + rate(tailstream_records_received_total[${__range}])"))
        .containsExactlyInAnyOrder("tailstream_spans_received_total",
            "tailstream_records_received_total");
  }

  @Test
  void readsBothSidesOfABinaryOperation() {
    assertThat(DashboardQueries.metricNamesIn(
        "sum by (rule) (rate(tailstream_rules_decisions_total{decision=\"keep\"}[5m]))\n/\n"
            + "sum by(rule)(rate(tailstream_traces_decided_total[5m])) > bool 1e3"))
        .containsExactlyInAnyOrder("tailstream_rules_decisions_total",
            "tailstream_traces_decided_total");
  }

  @Test
  void skipsStringArgumentsAndVectorMatchingLabels() {
    assertThat(DashboardQueries.metricNamesIn("label_join(sum by (client, server)"
        + " (traces_service_graph_request_total), \"id\", \"->\", \"client\", \"server\")"
        + " and on (client) group_left (server) tailstream_buffer_traces"))
        .containsExactlyInAnyOrder("traces_service_graph_request_total",
            "tailstream_buffer_traces");
  }

  @Test
  void readsPanelsInsideRowsAndLabelValuesVariables() throws Exception {
    Path dashboard = dir.resolve("dashboard.json");
    Files.writeString(dashboard, """
        {
          "panels": [
            {"id": 1, "type": "timeseries", "targets": [{"expr": "sum(open_metric)"}]},
            {"id": 2, "type": "row", "collapsed": true, "panels": [
              {"id": 3, "type": "stat", "targets": [{"expr": "max(nested_metric{a=\\"b\\"})"}]}
            ]}
          ],
          "templating": {"list": [
            {"name": "ds", "type": "datasource", "query": "prometheus"},
            {"name": "a", "type": "query", "query": "label_values(string_query_metric, job)"},
            {"name": "b", "type": "query",
             "query": {"query": "label_values(object_query_metric{x=\\"y\\"}, pod)"}},
            {"name": "c", "type": "query", "query": "label_values(service_name)"}
          ]}
        }
        """);

    assertThat(DashboardQueries.metricNames(dashboard)).containsExactlyInAnyOrder(
        "open_metric", "nested_metric", "string_query_metric", "object_query_metric");
  }

  @Test
  void readsSampleNamesOfAPrometheusScrape() {
    String scrape = """
        # HELP tailstream_buffer_traces Traces buffered
        # TYPE tailstream_buffer_traces gauge
        tailstream_buffer_traces 3.0
        # TYPE tailstream_decision_delay_seconds histogram
        tailstream_decision_delay_seconds_bucket{le="0.001"} 0
        tailstream_decision_delay_seconds_bucket{le="+Inf"} 4
        tailstream_decision_delay_seconds_count 4
        """;

    assertThat(DashboardQueries.prometheusMetricNames(scrape)).containsExactly(
        "tailstream_buffer_traces", "tailstream_decision_delay_seconds_bucket",
        "tailstream_decision_delay_seconds_count");
  }

  @Test
  void shippedDashboardHasUniquelyIdentifiedDescribedPanels() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<JsonNode> panels = DashboardQueries.panels(dashboard);

    assertThat(dashboard.path("uid").asText()).isEqualTo("tailstream");
    assertThat(dashboard.path("title").asText()).isEqualTo("Tailstream");
    assertThat(panels).hasSizeGreaterThan(10);
    assertThat(panels.stream().map(p -> p.path("id").asInt(-1)).toList())
        .doesNotContain(-1)
        .doesNotHaveDuplicates();
    assertThat(panels).allSatisfy(panel -> {
      assertThat(panel.path("title").asText()).isNotBlank();
      assertThat(panel.path("description").asText()).isNotBlank();
      assertThat(panel.path("gridPos").path("w").asInt()).isPositive();
      assertThat(panel.path("gridPos").path("h").asInt()).isPositive();
    });
    assertThat(panels.stream().flatMap(p -> p.path("targets").findValues("datasource").stream())
        .map(ds -> ds.path("uid").asText()).collect(Collectors.toSet()))
        .containsExactly("${datasource}");
  }

  @Test
  void shippedDashboardQueriesOnlyTheSamplersMetrics() throws Exception {
    assertThat(DashboardQueries.metricNames(DASHBOARD)).isEqualTo(Set.of(
        "traces_span_metrics_calls_total",
        "traces_span_metrics_duration_milliseconds_bucket",
        "traces_service_graph_request_total",
        "traces_service_graph_request_failed_total",
        "traces_service_graph_request_server_seconds_bucket",
        "traces_service_graph_request_client_seconds_bucket",
        "tailstream_rules_decisions_total",
        "tailstream_traces_decided_total",
        "tailstream_trace_count_total",
        "tailstream_trace_kept_total",
        "tailstream_trace_adjusted_count_total",
        "tailstream_trace_duration_seconds_bucket",
        "tailstream_decision_delay_seconds_bucket",
        "tailstream_buffer_traces",
        "tailstream_buffer_bytes",
        "tailstream_spans_received_total",
        "tailstream_records_received_total",
        "tailstream_input_lag_seconds",
        "kafka_consumer_fetch_manager_records_lag_max"));
  }
}
