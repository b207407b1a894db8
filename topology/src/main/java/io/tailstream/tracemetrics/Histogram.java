package io.tailstream.tracemetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A cumulative explicit-bucket histogram with a ring of the latest exemplars. Thread-safe: stream
 * threads record while the publisher and {@code /metrics} take snapshots.
 *
 * <p>Bucket {@code i} counts values in {@code (bounds[i-1], bounds[i]]}; the last bucket counts
 * values above every bound. This is both OTLP's and Prometheus's convention ({@code le}).
 */
final class Histogram {
  private final double[] bounds;
  private final long[] counts;
  private final Exemplar[] exemplars;
  private long count;
  private double sum;
  private int nextExemplar;
  private int exemplarCount;

  Histogram(double[] bounds, int maxExemplars) {
    this.bounds = bounds;
    this.counts = new long[bounds.length + 1];
    this.exemplars = new Exemplar[maxExemplars];
  }

  /**
   * Records one value.
   *
   * @param exemplar the kept span it came from, or null for a dropped one
   */
  synchronized void record(double value, Exemplar exemplar) {
    counts[bucketOf(bounds, value)]++;
    count++;
    sum += value;
    if (exemplar != null && exemplars.length > 0) {
      exemplars[nextExemplar] = exemplar;
      nextExemplar = (nextExemplar + 1) % exemplars.length;
      exemplarCount = Math.min(exemplarCount + 1, exemplars.length);
    }
  }

  synchronized MetricPoint snapshot(SeriesKey key) {
    List<Exemplar> latest = new ArrayList<>(exemplarCount);
    for (int i = 0; i < exemplarCount; i++) {
      int index = (nextExemplar - exemplarCount + i + exemplars.length) % exemplars.length;
      latest.add(exemplars[index]);
    }
    return new MetricPoint(key, count, sum, Arrays.copyOf(counts, counts.length), latest);
  }

  static int bucketOf(double[] bounds, double value) {
    int i = Arrays.binarySearch(bounds, value);
    return i >= 0 ? i : -i - 1;
  }
}
