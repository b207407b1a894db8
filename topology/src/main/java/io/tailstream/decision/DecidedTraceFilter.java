package io.tailstream.decision;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Which trace IDs a task's decision cache may hold: Bloom filters over the trace IDs decided in
 * each slice of time. The first span of every new trace asks the decision cache whether the trace
 * was decided already; nearly always it was not, and a "no" from here saves the window store's
 * seek through every segment, which at scale reads SST files from disk.
 *
 * <p>Never answers "no" for a trace added within the window asked about. Each slice covers half
 * the retention and is dropped once it lies wholly before the retention, so the filters hold at
 * most about 1.5 retentions of decisions, 10 to 20 bits each. A filter that reaches its capacity
 * is joined by one twice its size with half its false-positive rate (1% for the first), so a
 * slice answers "maybe" wrongly for under 2% of the traces it never saw. Not thread-safe: one per
 * task.
 */
final class DecidedTraceFilter {
  /** Insertions the first filter of a slice is sized for (about 19 KiB at 1%). */
  static final int FIRST_CAPACITY = 16_000;
  private static final double FIRST_FALSE_POSITIVE_RATE = 0.01;

  private final long retentionMs;
  private final long sliceMs;
  private final int firstCapacity;
  /** Slices by start time. */
  private final TreeMap<Long, Slice> slices = new TreeMap<>();
  private long entries;

  /** The filters of one slice of time; the last one is being filled. */
  private static final class Slice {
    final List<BloomFilter<byte[]>> filters = new ArrayList<>(1);
    long lastCapacity;
    long inLast;
    long entries;
  }

  DecidedTraceFilter(long retentionMs) {
    this(retentionMs, FIRST_CAPACITY);
  }

  // Visible for testing
  DecidedTraceFilter(long retentionMs, int firstCapacity) {
    this.retentionMs = retentionMs;
    this.sliceMs = Math.max(1, retentionMs / 2);
    this.firstCapacity = firstCapacity;
  }

  /** Records that {@code traceId} was decided at {@code timeMs}. */
  void add(byte[] traceId, long timeMs) {
    Slice slice = slices.computeIfAbsent(Math.floorDiv(timeMs, sliceMs) * sliceMs,
        start -> new Slice());
    if (slice.filters.isEmpty() || slice.inLast >= slice.lastCapacity) {
      // Each filter is twice the size of the one before: few filters to ask, little memory idle.
      // Halving the false-positive rate of each keeps the slice's sum of them under 2%.
      slice.lastCapacity = slice.filters.isEmpty() ? firstCapacity : 2 * slice.lastCapacity;
      double rate = FIRST_FALSE_POSITIVE_RATE / (1L << Math.min(20, slice.filters.size()));
      slice.filters.add(
          BloomFilter.create(Funnels.byteArrayFunnel(), slice.lastCapacity, rate));
      slice.inLast = 0;
    }
    slice.filters.get(slice.filters.size() - 1).put(traceId);
    slice.inLast++;
    slice.entries++;
    entries++;
  }

  /**
   * False only if {@code traceId} was not added with a time in {@code [fromMs, toMs]}; true
   * means it may have been.
   */
  boolean mightContain(byte[] traceId, long fromMs, long toMs) {
    long first = Math.floorDiv(fromMs, sliceMs) * sliceMs;
    for (Slice slice : slices.subMap(first, true, toMs, true).values()) {
      for (BloomFilter<byte[]> filter : slice.filters) {
        if (filter.mightContain(traceId)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Drops the slices that end before {@code nowMs} minus the retention. */
  void expire(long nowMs) {
    long horizon = nowMs - retentionMs;
    while (!slices.isEmpty() && slices.firstKey() + sliceMs <= horizon) {
      entries -= slices.pollFirstEntry().getValue().entries;
    }
  }

  /** Trace IDs added and not yet dropped. */
  long entries() {
    return entries;
  }

  /** Filters held. */
  int filters() {
    return slices.values().stream().mapToInt(s -> s.filters.size()).sum();
  }
}
