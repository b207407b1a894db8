package io.tailstream.tracemetrics;

import static io.tailstream.tracemetrics.MetricsFixtures.checkout;
import static io.tailstream.tracemetrics.MetricsFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.MetricsData;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.WireTraceView;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The metrics topic's records, read back with protobuf-java's parser. */
class OtlpMetricsTest {
  private final AtomicLong clock = new AtomicLong(MetricsFixtures.T0);

  private static Map<String, String> attributes(List<KeyValue> kvs) {
    Map<String, String> out = new HashMap<>();
    kvs.forEach(kv -> out.put(kv.getKey(), kv.getValue().hasBoolValue()
        ? String.valueOf(kv.getValue().getBoolValue()) : kv.getValue().getStringValue()));
    return out;
  }

  private static Map<String, Metric> byName(List<MetricsData> records) {
    Map<String, Metric> out = new HashMap<>();
    for (MetricsData data : records) {
      data.getResourceMetricsList().forEach(rm -> rm.getScopeMetricsList().forEach(sm ->
          sm.getMetricsList().forEach(m -> out.merge(m.getName(), m, OtlpMetricsTest::merge))));
    }
    return out;
  }

  private static Metric merge(Metric a, Metric b) {
    Metric.Builder m = a.toBuilder();
    if (a.hasSum()) {
      m.getSumBuilder().addAllDataPoints(b.getSum().getDataPointsList());
    } else {
      m.getHistogramBuilder().addAllDataPoints(b.getHistogram().getDataPointsList());
    }
    return m.build();
  }

  private TraceMetrics decided(int traces) {
    TraceMetrics m = new TraceMetrics(config(Map.of()), f -> { }, clock::get);
    for (int i = 1; i <= traces; i++) {
      var data = checkout(i);
      m.traceDecided(WireTraceView.of(data.toByteArray(), CompletionReason.IDLE), i == 1, 0.5);
    }
    return m;
  }

  @Test
  void encodesNamesUnitsTemporalityAttributesAndExemplars() throws Exception {
    TraceMetrics m = decided(3);
    OtlpMetricsEncoder encoder = new OtlpMetricsEncoder("instance-1", "1.2.3", 1 << 20);
    List<MetricsData> records = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (OtlpMetricsEncoder.Encoded e : encoder.encode(m.snapshot(), 10L, 20L, false)) {
      keys.add(e.key());
      records.add(MetricsData.parseFrom(e.data().toByteArray()));
    }
    assertThat(keys).containsExactlyInAnyOrder("frontend", "payment", "ledger");
    for (MetricsData data : records) {
      assertThat(attributes(data.getResourceMetrics(0).getResource().getAttributesList()))
          .containsEntry("service.name", "tailstream")
          .containsEntry("service.instance.id", "instance-1");
      assertThat(data.getResourceMetrics(0).getScopeMetrics(0).getScope().getVersion())
          .isEqualTo("1.2.3");
    }
    Map<String, Metric> metrics = byName(records);
    assertThat(metrics).containsKeys("traces.span.metrics.calls", "traces.span.metrics.duration",
        "traces_service_graph_request_total", "traces_service_graph_request_failed_total",
        "traces_service_graph_request_server_seconds",
        "traces_service_graph_request_client_seconds", "tailstream.trace.duration",
        "tailstream.trace.count", "tailstream.trace.kept", "tailstream.trace.adjusted_count");

    Metric calls = metrics.get("traces.span.metrics.calls");
    assertThat(calls.getUnit()).isEqualTo("1");
    assertThat(calls.getSum().getIsMonotonic()).isTrue();
    assertThat(calls.getSum().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    assertThat(calls.getSum().getDataPointsList()).hasSize(6);
    assertThat(calls.getSum().getDataPointsList().stream().mapToLong(NumberDataPoint::getAsInt)
        .sum()).isEqualTo(18);
    NumberDataPoint charge = calls.getSum().getDataPointsList().stream()
        .filter(p -> attributes(p.getAttributesList()).get("span.name").equals("charge"))
        .findFirst().orElseThrow();
    assertThat(attributes(charge.getAttributesList())).isEqualTo(Map.of(
        "service.name", "payment", "span.name", "charge", "span.kind", "SPAN_KIND_SERVER",
        "status.code", "STATUS_CODE_ERROR"));
    assertThat(charge.getStartTimeUnixNano()).isEqualTo(10L);
    assertThat(charge.getTimeUnixNano()).isEqualTo(20L);
    assertThat(charge.getExemplarsList()).hasSize(1);
    assertThat(charge.getExemplars(0).getTraceId()).isEqualTo(MetricsFixtures.traceId(1));
    assertThat(charge.getExemplars(0).getSpanId()).isEqualTo(MetricsFixtures.spanId(4));

    Metric duration = metrics.get("traces.span.metrics.duration");
    assertThat(duration.getUnit()).isEqualTo("ms");
    assertThat(duration.getHistogram().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    var root = duration.getHistogram().getDataPointsList().stream()
        .filter(p -> attributes(p.getAttributesList()).get("span.name").equals("GET /checkout"))
        .findFirst().orElseThrow();
    assertThat(root.getCount()).isEqualTo(3);
    assertThat(root.getSum()).isEqualTo(360.0);
    assertThat(root.getExplicitBoundsList()).hasSize(16);
    assertThat(root.getBucketCountsList()).hasSize(17);
    assertThat(root.getBucketCounts(7)).isEqualTo(3);

    Metric server = metrics.get("traces_service_graph_request_server_seconds");
    assertThat(server.getUnit()).isEqualTo("s");
    assertThat(attributes(server.getHistogram().getDataPoints(0).getAttributesList()))
        .containsOnlyKeys("client", "server", "connection_type");
    Metric adjusted = metrics.get("tailstream.trace.adjusted_count");
    assertThat(adjusted.getSum().getDataPoints(0).getAsDouble()).isEqualTo(2.0);
  }

  @Test
  void largeSnapshotsAreSplitIntoRecordsThatFit() throws Exception {
    TraceMetrics m = new TraceMetrics(config(Map.of()), f -> { }, clock::get);
    for (int i = 0; i < 400; i++) {
      var t = MetricsFixtures.traceId(1);
      var data = io.opentelemetry.proto.trace.v1.TracesData.newBuilder().addResourceSpans(
          MetricsFixtures.service("svc", MetricsFixtures.span(t, 1, 0, "operation-" + i,
              io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, 0, 5, false)))
          .build();
      m.traceDecided(WireTraceView.of(data.toByteArray(), CompletionReason.IDLE), false, 0);
    }
    int limit = 16 * 1024;
    List<OtlpMetricsEncoder.Encoded> records =
        new OtlpMetricsEncoder("i", "v", limit).encode(m.snapshot(), 1, 2, false);
    assertThat(records.size()).isGreaterThan(3);
    long calls = 0;
    for (OtlpMetricsEncoder.Encoded r : records) {
      assertThat(r.data().getSerializedSize()).isLessThanOrEqualTo(limit);
      calls += byName(List.of(r.data())).entrySet().stream()
          .filter(e -> e.getKey().equals(TraceMetrics.CALLS))
          .mapToLong(e -> e.getValue().getSum().getDataPointsList().stream()
              .mapToLong(NumberDataPoint::getAsInt).sum()).sum();
    }
    assertThat(calls).isEqualTo(400);
  }

  @Test
  void deltaTemporalityWritesChangesSinceTheLastExport() throws Exception {
    TailstreamConfig.Metrics config = ConfigLoader.fromMap(
        Map.of("metrics.temporality", "delta")).metrics();
    TraceMetrics m = new TraceMetrics(config, f -> { }, clock::get);
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    SamplerMetrics health = new SamplerMetrics(new SimpleMeterRegistry());
    MetricsPublisher publisher = new MetricsPublisher(m, producer, "trace_metrics", config,
        new OtlpMetricsEncoder("i", "v", 1 << 20), health, clock::get);

    var first = checkout(1);
    m.traceDecided(WireTraceView.of(first.toByteArray(), CompletionReason.IDLE), true, 1.0);
    clock.addAndGet(15_000_000_000L);
    assertThat(publisher.flush()).isTrue();
    List<MetricsData> export1 = parse(producer.history());
    producer.clear();

    clock.addAndGet(1_000_000_000L);
    var second = checkout(2);
    m.traceDecided(WireTraceView.of(second.toByteArray(), CompletionReason.IDLE), false, 0.0);
    clock.addAndGet(14_000_000_000L);
    assertThat(publisher.flush()).isTrue();
    List<MetricsData> export2 = parse(producer.history());
    producer.clear();
    clock.addAndGet(15_000_000_000L);
    assertThat(publisher.flush()).isTrue();

    Metric calls1 = byName(export1).get(TraceMetrics.CALLS);
    Metric calls2 = byName(export2).get(TraceMetrics.CALLS);
    assertThat(calls2.getSum().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
    assertThat(calls2.getSum().getDataPointsList()).hasSize(6)
        .allSatisfy(p -> {
          assertThat(p.getAsInt()).isEqualTo(1);
          assertThat(p.getStartTimeUnixNano()).isEqualTo(MetricsFixtures.T0 + 15_000_000_000L);
          assertThat(p.getTimeUnixNano()).isEqualTo(MetricsFixtures.T0 + 30_000_000_000L);
          assertThat(p.getExemplarsCount()).isZero(); // trace 2 was dropped
        });
    assertThat(calls1.getSum().getDataPointsList())
        .allSatisfy(p -> assertThat(p.getExemplarsCount()).isEqualTo(1));
    assertThat(producer.history()).as("nothing changed in the third interval").isEmpty();
  }

  @Test
  void aFailedExportIsCountedAndTheNextOneCarriesItsData() throws Exception {
    TailstreamConfig.Metrics config = ConfigLoader.fromMap(
        Map.of("metrics.temporality", "delta")).metrics();
    TraceMetrics m = new TraceMetrics(config, f -> { }, clock::get);
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MetricsPublisher publisher = new MetricsPublisher(m, producer, "trace_metrics", config,
        new OtlpMetricsEncoder("i", "v", 1 << 20), new SamplerMetrics(registry), clock::get);
    var first = checkout(1);
    m.traceDecided(WireTraceView.of(first.toByteArray(), CompletionReason.IDLE), false, 0.0);

    producer.sendException = new org.apache.kafka.common.errors.TimeoutException(
        "Topic trace_metrics not present in metadata after 5000 ms.");
    assertThat(publisher.flush()).isFalse();
    producer.sendException = null;
    var second = checkout(2);
    m.traceDecided(WireTraceView.of(second.toByteArray(), CompletionReason.IDLE), false, 0.0);
    assertThat(publisher.flush()).isTrue();

    Metric calls = byName(parse(producer.history())).get(TraceMetrics.CALLS);
    assertThat(calls.getSum().getDataPointsList()).hasSize(6)
        .allSatisfy(p -> assertThat(p.getAsInt()).isEqualTo(2));
    assertThat(registry.get("tailstream.metrics.exports").tag("result", "failure").counter()
        .count()).isEqualTo(1);
    assertThat(registry.get("tailstream.metrics.exports").tag("result", "success").counter()
        .count()).isEqualTo(1);
  }

  private static List<MetricsData> parse(List<ProducerRecord<String, byte[]>> records)
      throws Exception {
    List<MetricsData> out = new ArrayList<>();
    for (ProducerRecord<String, byte[]> r : records) {
      assertThat(r.topic()).isEqualTo("trace_metrics");
      out.add(MetricsData.parseFrom(r.value()));
    }
    return out;
  }
}
