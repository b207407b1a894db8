package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.MetricsData;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.generate.TrafficGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics from 100% of the traffic, against a real broker: generated traffic with the demo's mix
 * of services and span kinds, sampled at 5%. The span-metric calls must count every span
 * produced, not the kept ones; every exemplar must point at a trace on the sampled topic; the
 * metrics topic must decode as OTLP; and every metric the Grafana dashboard queries must exist on
 * {@code /metrics}.
 */
class TraceMetricsEndToEndTest {
  static EmbeddedKafka kafka;
  private static final Pattern CALLS_LINE =
      Pattern.compile("^traces_span_metrics_calls_total\\{[^}]*} ([0-9.E]+)", Pattern.MULTILINE);
  private static final Pattern EXEMPLAR_TRACE =
      Pattern.compile("trace_id=\"([0-9a-f]{32})\"");

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    kafka.close();
  }

  @Test
  void metricsCountEverySpanAndExemplarsPointAtKeptTraces() throws Exception {
    Files.writeString(dir.resolve("rules.yaml"),
        "rules:\n  - name: default\n    action: { sample: 0.05 }\n");
    TailstreamConfig config = Pipelines.config(kafka, dir, "metrics", dir.resolve("state"), "2s",
        Map.of("metrics.flush-interval", "1s",
            "metrics.dimensions", "http.request.method=none"));
    String metricsTopic = config.topics().metrics();

    List<byte[]> records = new CopyOnWriteArrayList<>();
    TrafficGenerator generator = new TrafficGenerator(new TrafficGenerator.Settings(
        400, Duration.ofSeconds(4), 21L, Duration.ofMillis(500)), records::add);
    generator.run();
    long spans = 0;
    for (byte[] r : records) {
      spans += ExportTraceServiceRequest.parseFrom(r).getResourceSpansList().stream()
          .flatMap(rs -> rs.getScopeSpansList().stream()).mapToLong(ss -> ss.getSpansCount())
          .sum();
    }
    long traces = generator.stats().traces();
    assertThat(traces).isGreaterThan(1_000);
    Pipelines.produce(kafka, config, records);

    String scrape;
    String openMetrics;
    Set<String> keptTraces = new HashSet<>();
    long keptSpans = 0;
    try (SamplerApp app = SamplerApp.start(config);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled())) {
      decisions.pollUntil(() -> decisions.records.size() >= traces, Duration.ofSeconds(120));
      long expectedSpans = spans;
      Pipelines.awaitCounter(app, "tailstream.spans.received", expectedSpans,
          Duration.ofSeconds(120));
      decisions.drain(Duration.ofSeconds(3));
      sampled.drain(Duration.ofSeconds(2));
      for (ConsumerRecord<String, byte[]> r : sampled.records) {
        keptTraces.add(r.key());
        keptSpans += EndToEndSamplingTest.spanCount(r.value());
      }
      String base = "http://127.0.0.1:" + app.httpPort();
      scrape = get(base + "/metrics", "text/plain");
      openMetrics = get(base + "/metrics", "application/openmetrics-text; version=1.0.0");
      assertThat(get(base + "/healthz", "text/plain")).isNotBlank();
    }

    // 1. /metrics: calls count every span produced, not the ~5% kept.
    assertThat(keptSpans).isLessThan(spans / 5);
    assertThat(sumOf(CALLS_LINE, scrape)).isEqualTo(spans);
    assertThat(scrape).contains("http_request_method=\"GET\"").contains("connection_type=\"database\"")
        .contains("connection_type=\"messaging_system\"");

    // 2. Exemplars on /metrics (OpenMetrics) point only at kept traces.
    Set<String> scrapedExemplars = new HashSet<>();
    Matcher m = EXEMPLAR_TRACE.matcher(openMetrics);
    while (m.find()) {
      scrapedExemplars.add(m.group(1));
    }
    assertThat(scrapedExemplars).isNotEmpty();
    assertThat(keptTraces).containsAll(scrapedExemplars);

    // 3. The dashboard queries only metrics that exist.
    Set<String> dashboard = DashboardQueries.metricNames(DashboardQueries.SHIPPED);
    assertThat(DashboardQueries.prometheusMetricNames(scrape)).containsAll(dashboard);

    // 4. The metrics topic decodes as OTLP; the last cumulative export counts every span.
    Map<String, NumberDataPoint> latestCalls = new HashMap<>();
    Set<String> otlpExemplars = new HashSet<>();
    Set<String> names = new HashSet<>();
    try (CommittedReader metrics = new CommittedReader(kafka, metricsTopic)) {
      metrics.drain(Duration.ofSeconds(3));
      assertThat(metrics.records).isNotEmpty();
      for (ConsumerRecord<String, byte[]> r : metrics.records) {
        MetricsData data = MetricsData.parseFrom(r.value());
        for (ResourceMetrics rm : data.getResourceMetricsList()) {
          Map<String, String> resource = attributes(rm.getResource().getAttributesList());
          assertThat(resource).containsEntry("service.name", "tailstream")
              .containsKey("service.instance.id");
          rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList().forEach(metric -> {
            names.add(metric.getName());
            collect(metric, r.key(), latestCalls, otlpExemplars);
          }));
        }
      }
    }
    assertThat(names).contains("traces.span.metrics.calls", "traces.span.metrics.duration",
        "traces_service_graph_request_total", "tailstream.trace.duration",
        "tailstream.trace.adjusted_count");
    assertThat(latestCalls.values().stream().mapToLong(NumberDataPoint::getAsInt).sum())
        .isEqualTo(spans);
    assertThat(otlpExemplars).isNotEmpty();
    assertThat(keptTraces).containsAll(otlpExemplars);
  }

  /** Keeps the newest cumulative point of every calls series, and every exemplar's trace. */
  private static void collect(Metric metric, String key, Map<String, NumberDataPoint> latest,
      Set<String> exemplars) {
    List<Exemplar> all = new ArrayList<>();
    if (metric.hasSum()) {
      assertThat(metric.getSum().getAggregationTemporality())
          .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      metric.getSum().getDataPointsList().forEach(p -> all.addAll(p.getExemplarsList()));
    } else {
      assertThat(metric.hasHistogram()).as(metric.getName()).isTrue();
      metric.getHistogram().getDataPointsList().forEach(p -> all.addAll(p.getExemplarsList()));
    }
    all.forEach(e -> exemplars.add(HexFormat.of().formatHex(e.getTraceId().toByteArray())));
    if (!metric.getName().equals("traces.span.metrics.calls")) {
      return;
    }
    assertThat(metric.getUnit()).isEqualTo("1");
    for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
      Map<String, String> attributes = attributes(p.getAttributesList());
      assertThat(attributes.get("service.name")).isEqualTo(key);
      latest.merge(attributes.toString(), p,
          (a, b) -> b.getTimeUnixNano() >= a.getTimeUnixNano() ? b : a);
    }
  }

  private static Map<String, String> attributes(List<KeyValue> kvs) {
    Map<String, String> out = new java.util.TreeMap<>();
    kvs.forEach(kv -> out.put(kv.getKey(), kv.getValue().getStringValue()));
    return out;
  }

  private static long sumOf(Pattern line, String scrape) {
    Matcher m = line.matcher(scrape);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return (long) total;
  }

  private static String get(String url, String accept) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }
}
