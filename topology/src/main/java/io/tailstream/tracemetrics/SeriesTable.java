package io.tailstream.tracemetrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The series of one metric family, bounded by {@code metrics.max-series}. Once full, new attribute
 * sets fold into one overflow series and each such measurement is counted.
 *
 * @param <S> the per-series accumulator
 */
final class SeriesTable<S> {
  private final int maxSeries;
  private final Supplier<S> factory;
  private final Runnable overflowed;
  private final Map<SeriesKey, S> series = new ConcurrentHashMap<>();
  private final S overflow;
  private volatile boolean overflowUsed;

  /**
   * @param overflowed called for every measurement that goes to the overflow series
   */
  SeriesTable(int maxSeries, Supplier<S> factory, Runnable overflowed) {
    this.maxSeries = maxSeries;
    this.factory = factory;
    this.overflowed = overflowed;
    this.overflow = factory.get();
  }

  /** The accumulator for a key, created if there is room, else the overflow series'. */
  S get(SeriesKey key) {
    S existing = series.get(key);
    if (existing != null) {
      return existing;
    }
    if (series.size() >= maxSeries) {
      overflowUsed = true;
      overflowed.run();
      return overflow;
    }
    return series.computeIfAbsent(key, k -> factory.get());
  }

  /** Calls {@code action} on every series, and on the overflow series once it has been used. */
  void forEach(BiConsumer<SeriesKey, S> action) {
    series.forEach(action);
    if (overflowUsed) {
      action.accept(SeriesKey.OVERFLOW, overflow);
    }
  }

  int size() {
    return series.size();
  }
}
