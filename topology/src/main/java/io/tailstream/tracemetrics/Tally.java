package io.tailstream.tracemetrics;

import java.util.List;

/** A cumulative count with a cumulative double amount, for monotonic sums. Thread-safe. */
final class Tally {
  private long count;
  private double amount;

  synchronized void add(long n, double value) {
    count += n;
    amount += value;
  }

  synchronized MetricPoint snapshot(SeriesKey key) {
    return new MetricPoint(key, count, amount, null, List.of());
  }
}
