package io.tailstream.tracemetrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns cumulative snapshots into deltas since the last export that was written. The metrics
 * topic can carry deltas while {@code /metrics} stays cumulative, as Prometheus expects. A series
 * that did not change is left out; exemplars are those recorded since the last export.
 *
 * <p>Not thread-safe: the publisher's one thread uses it.
 */
final class DeltaTracker {
  private Map<String, Map<SeriesKey, MetricPoint>> exported = new HashMap<>();
  private long exportedAtNanos;

  DeltaTracker(long startNanos) {
    this.exportedAtNanos = startNanos;
  }

  /** When the last written export was taken: the start of the next delta interval. */
  long intervalStartNanos() {
    return exportedAtNanos;
  }

  /** The change of every series since the last {@link #commit}ted export. */
  List<MetricFamily> deltas(List<MetricFamily> cumulative) {
    List<MetricFamily> out = new ArrayList<>(cumulative.size());
    for (MetricFamily family : cumulative) {
      Map<SeriesKey, MetricPoint> previous = exported.getOrDefault(family.name(), Map.of());
      List<MetricPoint> points = new ArrayList<>();
      for (MetricPoint now : family.points()) {
        MetricPoint delta = minus(now, previous.get(now.key()));
        if (delta != null) {
          points.add(delta);
        }
      }
      out.add(family.withPoints(points));
    }
    return out;
  }

  /** Makes {@code cumulative}, taken at {@code takenAtNanos}, the base of the next deltas. */
  void commit(List<MetricFamily> cumulative, long takenAtNanos) {
    Map<String, Map<SeriesKey, MetricPoint>> next = new HashMap<>();
    for (MetricFamily family : cumulative) {
      Map<SeriesKey, MetricPoint> points = new HashMap<>();
      family.points().forEach(p -> points.put(p.key(), p));
      next.put(family.name(), points);
    }
    exported = next;
    exportedAtNanos = takenAtNanos;
  }

  /** {@code now - before}, or null when nothing changed. */
  private MetricPoint minus(MetricPoint now, MetricPoint before) {
    if (before == null) {
      return now;
    }
    long count = now.count() - before.count();
    double sum = now.sum() - before.sum();
    if (count == 0 && sum == 0) {
      return null;
    }
    long[] buckets = null;
    if (now.bucketCounts() != null) {
      buckets = new long[now.bucketCounts().length];
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = now.bucketCounts()[i] - before.bucketCounts()[i];
      }
    }
    List<Exemplar> recent = new ArrayList<>();
    for (Exemplar e : now.exemplars()) {
      if (e.epochNanos() > exportedAtNanos) {
        recent.add(e);
      }
    }
    return new MetricPoint(now.key(), count, sum, buckets, recent);
  }
}
