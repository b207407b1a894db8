package io.tailstream.tracemetrics;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.MetricsData;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes metric snapshots as OTLP {@code MetricsData}, one or more records per described
 * service, each small enough for one Kafka record. An OpenTelemetry Collector {@code
 * kafkareceiver} with {@code encoding: otlp_proto} reads them unchanged.
 *
 * <p>The resource is the sampler itself ({@code service.name=tailstream}, {@code
 * service.instance.id}); the service a point describes is in its attributes ({@code
 * service.name}, {@code client}, {@code root.service}), and is the record key.
 */
public final class OtlpMetricsEncoder {
  /** The record key of points in a family's overflow series. */
  static final String OVERFLOW_KEY = "otel.metric.overflow";

  private final Resource resource;
  private final InstrumentationScope scope;
  private final int maxRecordBytes;

  /**
   * @param instanceId this process's {@code service.instance.id}
   * @param version the sampler's version, for the instrumentation scope
   * @param maxRecordBytes the largest encoded {@code MetricsData} per record
   */
  public OtlpMetricsEncoder(String instanceId, String version, int maxRecordBytes) {
    this.resource = Resource.newBuilder()
        .addAttributes(stringAttribute("service.name", "tailstream"))
        .addAttributes(stringAttribute("service.instance.id", instanceId))
        .build();
    this.scope = InstrumentationScope.newBuilder()
        .setName("io.tailstream.tracemetrics")
        .setVersion(version)
        .build();
    this.maxRecordBytes = maxRecordBytes;
  }

  /** An encoded record: its key and its {@code MetricsData}. */
  public record Encoded(String key, MetricsData data) {}

  /**
   * Encodes families into records.
   *
   * @param startNanos the start of the interval (cumulative: when counting began; delta: the
   *     previous export)
   * @param nowNanos the time of the data points
   * @param delta whether the points are deltas since {@code startNanos}
   */
  public List<Encoded> encode(
      List<MetricFamily> families, long startNanos, long nowNanos, boolean delta) {
    AggregationTemporality temporality = delta
        ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
        : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
    Map<String, List<Metric>> byService = new LinkedHashMap<>();
    for (MetricFamily family : families) {
      Map<String, List<MetricPoint>> points = new LinkedHashMap<>();
      for (MetricPoint p : family.points()) {
        String key = p.key().overflow() || p.key().value(0) == null
            ? OVERFLOW_KEY : p.key().value(0);
        points.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
      }
      points.forEach((service, list) -> byService.computeIfAbsent(service, k -> new ArrayList<>())
          .addAll(metrics(family, list, startNanos, nowNanos, temporality)));
    }
    List<Encoded> out = new ArrayList<>();
    byService.forEach((service, metrics) -> pack(service, metrics, out));
    return out;
  }

  /** Packs metrics into as few records as fit, splitting a metric's points when it alone is too
   * large. */
  private void pack(String service, List<Metric> metrics, List<Encoded> out) {
    ScopeMetrics.Builder batch = ScopeMetrics.newBuilder().setScope(scope);
    int size = 0;
    for (Metric metric : metrics) {
      int metricSize = metric.getSerializedSize() + 8;
      if (size > 0 && size + metricSize > budget()) {
        out.add(new Encoded(service, wrap(batch.build())));
        batch = ScopeMetrics.newBuilder().setScope(scope);
        size = 0;
      }
      batch.addMetrics(metric);
      size += metricSize;
    }
    if (size > 0) {
      out.add(new Encoded(service, wrap(batch.build())));
    }
  }

  /** Room for metrics in one record, after the resource and scope. */
  private int budget() {
    return Math.max(1024, maxRecordBytes - resource.getSerializedSize()
        - scope.getSerializedSize() - 64);
  }

  private MetricsData wrap(ScopeMetrics scopeMetrics) {
    return MetricsData.newBuilder()
        .addResourceMetrics(ResourceMetrics.newBuilder()
            .setResource(resource)
            .addScopeMetrics(scopeMetrics))
        .build();
  }

  /** One metric holding these points, or several if one would not fit in a record. */
  private List<Metric> metrics(MetricFamily family, List<MetricPoint> points, long startNanos,
      long nowNanos, AggregationTemporality temporality) {
    Metric.Builder metric = Metric.newBuilder()
        .setName(family.name())
        .setDescription(family.description())
        .setUnit(family.unit());
    if (family.type() == MetricFamily.Type.HISTOGRAM) {
      io.opentelemetry.proto.metrics.v1.Histogram.Builder h =
          io.opentelemetry.proto.metrics.v1.Histogram.newBuilder()
              .setAggregationTemporality(temporality);
      for (MetricPoint p : points) {
        h.addDataPoints(histogramPoint(family, p, startNanos, nowNanos));
      }
      metric.setHistogram(h);
    } else {
      Sum.Builder sum = Sum.newBuilder()
          .setAggregationTemporality(temporality)
          .setIsMonotonic(true);
      for (MetricPoint p : points) {
        sum.addDataPoints(numberPoint(family, p, startNanos, nowNanos));
      }
      metric.setSum(sum);
    }
    Metric built = metric.build();
    if (built.getSerializedSize() <= budget() || points.size() == 1) {
      return List.of(built);
    }
    int half = points.size() / 2;
    List<Metric> split = new ArrayList<>(
        metrics(family, points.subList(0, half), startNanos, nowNanos, temporality));
    split.addAll(metrics(family, points.subList(half, points.size()), startNanos, nowNanos,
        temporality));
    return split;
  }

  private static NumberDataPoint numberPoint(
      MetricFamily family, MetricPoint p, long startNanos, long nowNanos) {
    NumberDataPoint.Builder b = NumberDataPoint.newBuilder()
        .addAllAttributes(attributes(family, p.key()))
        .setStartTimeUnixNano(startNanos)
        .setTimeUnixNano(nowNanos);
    if (family.type() == MetricFamily.Type.LONG_SUM) {
      b.setAsInt(p.count());
    } else {
      b.setAsDouble(p.sum());
    }
    p.exemplars().forEach(e -> b.addExemplars(exemplar(e)));
    return b.build();
  }

  private static HistogramDataPoint histogramPoint(
      MetricFamily family, MetricPoint p, long startNanos, long nowNanos) {
    HistogramDataPoint.Builder b = HistogramDataPoint.newBuilder()
        .addAllAttributes(attributes(family, p.key()))
        .setStartTimeUnixNano(startNanos)
        .setTimeUnixNano(nowNanos)
        .setCount(p.count())
        .setSum(p.sum());
    for (double bound : family.bounds()) {
      b.addExplicitBounds(bound);
    }
    for (long c : p.bucketCounts()) {
      b.addBucketCounts(c);
    }
    p.exemplars().forEach(e -> b.addExemplars(exemplar(e)));
    return b.build();
  }

  private static io.opentelemetry.proto.metrics.v1.Exemplar exemplar(Exemplar e) {
    return io.opentelemetry.proto.metrics.v1.Exemplar.newBuilder()
        .setTraceId(e.traceId())
        .setSpanId(e.spanId())
        .setAsDouble(e.value())
        .setTimeUnixNano(e.epochNanos())
        .build();
  }

  private static List<KeyValue> attributes(MetricFamily family, SeriesKey key) {
    if (key.overflow()) {
      return List.of(KeyValue.newBuilder().setKey(OVERFLOW_KEY)
          .setValue(AnyValue.newBuilder().setBoolValue(true)).build());
    }
    List<KeyValue> out = new ArrayList<>(key.size());
    for (int i = 0; i < key.size(); i++) {
      if (key.value(i) != null) {
        out.add(stringAttribute(family.attributes().get(i), key.value(i)));
      }
    }
    return out;
  }

  private static KeyValue stringAttribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
