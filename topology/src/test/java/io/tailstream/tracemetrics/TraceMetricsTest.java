package io.tailstream.tracemetrics;

import static io.tailstream.tracemetrics.MetricsFixtures.checkout;
import static io.tailstream.tracemetrics.MetricsFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.WireTraceView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TraceMetricsTest {
  private final List<String> overflows = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong(MetricsFixtures.T0);

  private TraceMetrics metrics(Map<String, String> config) {
    return new TraceMetrics(config(config), overflows::add, clock::get);
  }

  private static void decide(TraceMetrics m, TracesData data, boolean kept, double rate) {
    m.traceDecided(WireTraceView.of(data.toByteArray(), CompletionReason.IDLE), kept, rate);
  }

  private static MetricFamily family(TraceMetrics m, String name) {
    return m.snapshot().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
  }

  private static Optional<MetricPoint> point(MetricFamily f, String... values) {
    return f.points().stream().filter(p -> p.key().equals(SeriesKey.of(values))).findFirst();
  }

  @Test
  void everySpanOfKeptAndDroppedTracesIsACall() {
    TraceMetrics m = metrics(Map.of());
    decide(m, checkout(1), true, 1.0);
    decide(m, checkout(2), false, 0.0);
    decide(m, checkout(3), false, 0.0);

    MetricFamily calls = family(m, TraceMetrics.CALLS);
    assertThat(calls.points()).hasSize(6);
    assertThat(calls.points().stream().mapToLong(MetricPoint::count).sum()).isEqualTo(18);
    assertThat(point(calls, "frontend", "GET /checkout", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET")
        .orElseThrow().count()).isEqualTo(3);
    assertThat(point(calls, "payment", "charge", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR")
        .orElseThrow().count()).isEqualTo(3);
    assertThat(calls.unit()).isEqualTo("1");
    assertThat(calls.type()).isEqualTo(MetricFamily.Type.LONG_SUM);
  }

  @Test
  void durationsFallInTheCollectorsDefaultBuckets() {
    TraceMetrics m = metrics(Map.of());
    decide(m, checkout(1), false, 0.0);

    MetricFamily duration = family(m, TraceMetrics.DURATION);
    assertThat(duration.unit()).isEqualTo("ms");
    assertThat(duration.bounds()).containsExactly(
        2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000);
    MetricPoint root = point(duration, "frontend", "GET /checkout", "SPAN_KIND_SERVER",
        "STATUS_CODE_UNSET").orElseThrow();
    assertThat(root.count()).isEqualTo(1);
    assertThat(root.sum()).isEqualTo(120.0);
    long[] expected = new long[17];
    expected[7] = 1; // (100, 200]
    assertThat(root.bucketCounts()).containsExactly(expected);
    MetricPoint db = point(duration, "frontend", "SELECT orders", "SPAN_KIND_CLIENT",
        "STATUS_CODE_UNSET").orElseThrow();
    long[] five = new long[17];
    five[2] = 1; // (4, 6]
    assertThat(db.bucketCounts()).containsExactly(five);
  }

  @Test
  void aValueOnABoundGoesToThatBucket() {
    double[] bounds = {2, 4, 6};
    assertThat(Histogram.bucketOf(bounds, 2.0)).isEqualTo(0);
    assertThat(Histogram.bucketOf(bounds, 2.0001)).isEqualTo(1);
    assertThat(Histogram.bucketOf(bounds, 0)).isEqualTo(0);
    assertThat(Histogram.bucketOf(bounds, 6.5)).isEqualTo(3);
  }

  @Test
  void configuredBucketsAndExtraDimensionsWithDefaults() {
    TraceMetrics m = metrics(Map.of(
        "metrics.duration-buckets", "50ms,1s",
        "metrics.dimensions", "deployment.environment,http.route=none,region"));
    decide(m, checkout(1), false, 0.0);

    MetricFamily duration = family(m, TraceMetrics.DURATION);
    assertThat(duration.bounds()).containsExactly(50, 1000);
    assertThat(duration.attributes()).containsExactly("service.name", "span.name", "span.kind",
        "status.code", "deployment.environment", "http.route", "region");
    MetricPoint root = point(duration, "frontend", "GET /checkout", "SPAN_KIND_SERVER",
        "STATUS_CODE_UNSET", "prod", "none", null).orElseThrow();
    assertThat(root.bucketCounts()).containsExactly(0, 1, 0);
  }

  @Test
  void exemplarsComeOnlyFromKeptTraces() {
    TraceMetrics m = metrics(Map.of("metrics.max-exemplars", "2"));
    decide(m, checkout(1), false, 0.0);
    decide(m, checkout(2), true, 0.5);
    decide(m, checkout(3), false, 0.0);
    decide(m, checkout(4), true, 0.5);
    decide(m, checkout(5), true, 0.5);

    for (MetricPoint p : family(m, TraceMetrics.DURATION).points()) {
      assertThat(p.exemplars()).hasSize(2);
      assertThat(p.exemplars()).extracting(e -> e.traceId())
          .containsExactly(MetricsFixtures.traceId(4), MetricsFixtures.traceId(5));
    }
    MetricPoint charge = point(family(m, TraceMetrics.DURATION), "payment", "charge",
        "SPAN_KIND_SERVER", "STATUS_CODE_ERROR").orElseThrow();
    assertThat(charge.exemplars().get(0).spanId()).isEqualTo(MetricsFixtures.spanId(4));
    assertThat(charge.exemplars().get(0).value()).isEqualTo(60.0);
  }

  @Test
  void noExemplarsWhenDisabled() {
    TraceMetrics m = metrics(Map.of("metrics.max-exemplars", "0"));
    decide(m, checkout(1), true, 1.0);
    assertThat(family(m, TraceMetrics.DURATION).points())
        .allSatisfy(p -> assertThat(p.exemplars()).isEmpty());
  }

  @Test
  void serviceGraphPairsClientsWithServersAndConsumers() {
    TraceMetrics m = metrics(Map.of());
    decide(m, checkout(1), false, 0.0);
    decide(m, checkout(2), false, 0.0);

    MetricFamily requests = family(m, TraceMetrics.EDGE_REQUESTS);
    assertThat(requests.attributes()).containsExactly("client", "server", "connection_type");
    assertThat(requests.points()).hasSize(3);
    assertThat(point(requests, "frontend", "payment", "").orElseThrow().count()).isEqualTo(2);
    assertThat(point(requests, "payment", "ledger", "messaging_system").orElseThrow().count())
        .isEqualTo(2);
    assertThat(point(requests, "frontend", "postgresql", "database").orElseThrow().count())
        .isEqualTo(2);

    MetricFamily failed = family(m, TraceMetrics.EDGE_FAILED);
    assertThat(failed.points()).hasSize(1);
    assertThat(point(failed, "frontend", "payment", "").orElseThrow().count()).isEqualTo(2);

    MetricPoint server = point(family(m, TraceMetrics.EDGE_SERVER), "frontend", "payment", "")
        .orElseThrow();
    assertThat(server.count()).isEqualTo(2);
    assertThat(server.sum()).isCloseTo(0.120, org.assertj.core.data.Offset.offset(1e-9));
    MetricPoint client = point(family(m, TraceMetrics.EDGE_CLIENT), "frontend", "payment", "")
        .orElseThrow();
    assertThat(client.sum()).isCloseTo(0.160, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(family(m, TraceMetrics.EDGE_SERVER).unit()).isEqualTo("s");
    // A virtual node has no server side.
    assertThat(point(family(m, TraceMetrics.EDGE_SERVER), "frontend", "postgresql", "database"))
        .isEmpty();
    assertThat(point(family(m, TraceMetrics.EDGE_CLIENT), "frontend", "postgresql", "database")
        .orElseThrow().count()).isEqualTo(2);
  }

  @Test
  void virtualNodePrefersPeerServiceAndIgnoresInstrumentedCallees() {
    TraceMetrics m = metrics(Map.of());
    var t = MetricsFixtures.traceId(9);
    var root = MetricsFixtures.span(t, 1, 0, "job", io.opentelemetry.proto.trace.v1.Span.SpanKind
        .SPAN_KIND_INTERNAL, 0, 50, false);
    var call = MetricsFixtures.span(t, 2, 1, "GET", io.opentelemetry.proto.trace.v1.Span.SpanKind
        .SPAN_KIND_CLIENT, 1, 20, true).toBuilder()
        .addAttributes(MetricsFixtures.attr("server.address", "10.0.0.1"))
        .addAttributes(MetricsFixtures.attr("peer.service", "geo-api")).build();
    var anonymous = MetricsFixtures.span(t, 3, 1, "GET", io.opentelemetry.proto.trace.v1.Span
        .SpanKind.SPAN_KIND_CLIENT, 21, 30, false);
    TracesData data = TracesData.newBuilder()
        .addResourceSpans(MetricsFixtures.service("worker", root, call, anonymous)).build();
    decide(m, data, false, 0.0);

    MetricFamily requests = family(m, TraceMetrics.EDGE_REQUESTS);
    assertThat(requests.points()).hasSize(1);
    assertThat(point(requests, "worker", "geo-api", "virtual_node").orElseThrow().count())
        .isEqualTo(1);
    assertThat(point(family(m, TraceMetrics.EDGE_FAILED), "worker", "geo-api", "virtual_node")
        .orElseThrow().count()).isEqualTo(1);
  }

  @Test
  void traceMetricsByRootWithAdjustedCounts() {
    TraceMetrics m = metrics(Map.of());
    decide(m, checkout(1), true, 0.25);
    decide(m, checkout(2), false, 0.25);
    decide(m, checkout(3), false, 0.25);
    decide(m, checkout(4), true, 1.0);

    assertThat(point(family(m, TraceMetrics.TRACE_COUNT), "frontend").orElseThrow().count())
        .isEqualTo(4);
    assertThat(point(family(m, TraceMetrics.TRACE_KEPT), "frontend", "GET /checkout")
        .orElseThrow().count()).isEqualTo(2);
    assertThat(point(family(m, TraceMetrics.TRACE_ADJUSTED), "frontend", "GET /checkout")
        .orElseThrow().sum()).isEqualTo(5.0);
    MetricPoint duration = point(family(m, TraceMetrics.TRACE_DURATION), "frontend",
        "GET /checkout", "error").orElseThrow();
    assertThat(duration.count()).isEqualTo(4);
    assertThat(duration.sum()).isCloseTo(0.48, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(duration.exemplars()).hasSize(2);
  }

  @Test
  void seriesBeyondTheLimitFoldIntoTheOverflowSeries() {
    TraceMetrics m = metrics(Map.of("metrics.max-series", "2"));
    decide(m, checkout(1), false, 0.0);

    MetricFamily calls = family(m, TraceMetrics.CALLS);
    assertThat(calls.points()).hasSize(3);
    MetricPoint overflow = calls.points().stream().filter(p -> p.key().overflow()).findFirst()
        .orElseThrow();
    assertThat(overflow.count()).isEqualTo(4);
    assertThat(calls.points().stream().mapToLong(MetricPoint::count).sum()).isEqualTo(6);
    assertThat(overflows.stream().filter("span_metrics"::equals)).hasSize(4);
  }

  @Test
  void prometheusNamesListsEverySnapshotFamilyInOrder() {
    TraceMetrics m = metrics(Map.of());
    decide(m, checkout(1), true, 1.0);
    assertThat(m.snapshot()).extracting(MetricFamily::prometheusName)
        .containsExactlyElementsOf(new PrometheusTraceMetrics(m).getPrometheusNames());
  }

  @Test
  void lateSpansAreCallsButNotEdges() {
    TraceMetrics m = metrics(Map.of());
    m.lateSpans(WireTraceView.of(checkout(1).toByteArray(), CompletionReason.IDLE), true);
    assertThat(family(m, TraceMetrics.CALLS).points().stream().mapToLong(MetricPoint::count)
        .sum()).isEqualTo(6);
    assertThat(family(m, TraceMetrics.EDGE_REQUESTS).points()).isEmpty();
    assertThat(family(m, TraceMetrics.TRACE_COUNT).points()).isEmpty();
    assertThat(Arrays.stream(family(m, TraceMetrics.DURATION).points().get(0).bucketCounts())
        .sum()).isEqualTo(1);
  }
}
