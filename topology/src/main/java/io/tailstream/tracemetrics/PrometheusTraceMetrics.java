package io.tailstream.tracemetrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Exposes {@link TraceMetrics} on {@code /metrics}, under the names the OpenTelemetry Collector's
 * Prometheus exporter gives the {@code spanmetrics} and {@code servicegraph} connectors' output
 * ({@code traces_span_metrics_calls_total}, {@code traces_span_metrics_duration_milliseconds},
 * {@code traces_service_graph_request_total}, ...), so that existing dashboards work. Attribute
 * names become label names with dots written as underscores. Exemplars appear when the scraper
 * asks for OpenMetrics.
 */
public final class PrometheusTraceMetrics implements MultiCollector {
  private final TraceMetrics metrics;
  private final List<String> names;

  public PrometheusTraceMetrics(TraceMetrics metrics) {
    this.metrics = metrics;
    this.names = metrics.snapshot().stream().map(MetricFamily::prometheusName).toList();
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> out = new ArrayList<>();
    for (MetricFamily family : metrics.snapshot()) {
      out.add(family.type() == MetricFamily.Type.HISTOGRAM ? histogram(family) : counter(family));
    }
    return new MetricSnapshots(out);
  }

  @Override
  public List<String> getPrometheusNames() {
    return names;
  }

  private static CounterSnapshot counter(MetricFamily family) {
    CounterSnapshot.Builder builder = CounterSnapshot.builder()
        .name(family.prometheusName())
        .help(family.description());
    for (MetricPoint point : family.points()) {
      CounterSnapshot.CounterDataPointSnapshot.Builder p =
          CounterSnapshot.CounterDataPointSnapshot.builder()
              .labels(labels(family, point.key()))
              .value(family.type() == MetricFamily.Type.LONG_SUM ? point.count() : point.sum());
      if (!point.exemplars().isEmpty()) {
        p.exemplar(exemplar(point.exemplars().get(point.exemplars().size() - 1)));
      }
      builder.dataPoint(p.build());
    }
    return builder.build();
  }

  private static HistogramSnapshot histogram(MetricFamily family) {
    HistogramSnapshot.Builder builder = HistogramSnapshot.builder()
        .name(family.prometheusName())
        .help(family.description());
    double[] upper = Arrays.copyOf(family.bounds(), family.bounds().length + 1);
    upper[upper.length - 1] = Double.POSITIVE_INFINITY;
    for (MetricPoint point : family.points()) {
      List<io.prometheus.metrics.model.snapshots.Exemplar> exemplars = new ArrayList<>();
      point.exemplars().forEach(e -> exemplars.add(exemplar(e)));
      HistogramSnapshot.HistogramDataPointSnapshot.Builder p =
          HistogramSnapshot.HistogramDataPointSnapshot.builder()
              .labels(labels(family, point.key()))
              .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, point.bucketCounts()));
      p.sum(point.sum());
      p.exemplars(Exemplars.of(exemplars));
      builder.dataPoint(p.build());
    }
    return builder.build();
  }

  private static Labels labels(MetricFamily family, SeriesKey key) {
    if (key.overflow()) {
      return Labels.of("otel_metric_overflow", "true");
    }
    List<String> names = new ArrayList<>(key.size());
    List<String> values = new ArrayList<>(key.size());
    for (int i = 0; i < key.size(); i++) {
      if (key.value(i) != null) {
        names.add(family.attributes().get(i).replace('.', '_'));
        values.add(key.value(i));
      }
    }
    return Labels.of(names, values);
  }

  private static io.prometheus.metrics.model.snapshots.Exemplar exemplar(Exemplar e) {
    io.prometheus.metrics.model.snapshots.Exemplar.Builder b =
        io.prometheus.metrics.model.snapshots.Exemplar.builder()
            .value(e.value())
            .traceId(HexFormat.of().formatHex(e.traceId().toByteArray()))
            .timestampMillis(e.epochNanos() / 1_000_000);
    if (!e.spanId().isEmpty()) {
      b.spanId(HexFormat.of().formatHex(e.spanId().toByteArray()));
    }
    return b.build();
  }
}
