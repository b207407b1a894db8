package io.tailstream.tracemetrics;

import java.util.List;

/**
 * A snapshot of one metric and all its series, in a form both the Prometheus endpoint and the
 * OTLP publisher read. The first attribute names the service a point describes ({@code
 * service.name}, {@code client} or {@code root.service}).
 *
 * @param name the OpenTelemetry metric name, such as {@code traces.span.metrics.calls}
 * @param prometheusName the name on {@code /metrics}, without {@code _total} or {@code _bucket}
 * @param description what it measures
 * @param unit the UCUM unit ({@code 1}, {@code ms} or {@code s})
 * @param type the kind of values its points hold
 * @param attributes the attribute names, in the order of every point's {@link SeriesKey}
 * @param bounds a histogram's bucket bounds in {@code unit}; empty for sums
 * @param points one per series
 */
public record MetricFamily(String name, String prometheusName, String description, String unit,
    Type type, List<String> attributes, double[] bounds, List<MetricPoint> points) {

  /** The kind of values a family's points hold. */
  public enum Type {
    /** A monotonic sum of whole numbers, in {@link MetricPoint#count()}. */
    LONG_SUM,
    /** A monotonic sum of real numbers, in {@link MetricPoint#sum()}. */
    DOUBLE_SUM,
    /** An explicit-bucket histogram. */
    HISTOGRAM
  }

  /** The same family with other points. */
  public MetricFamily withPoints(List<MetricPoint> newPoints) {
    return new MetricFamily(name, prometheusName, description, unit, type, attributes, bounds,
        newPoints);
  }
}
