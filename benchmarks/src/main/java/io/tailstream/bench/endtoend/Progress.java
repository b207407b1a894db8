package io.tailstream.bench.endtoend;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The distinct input records a baseline application has finished with, by partition and offset.
 * Under exactly-once a rebalance can abort a transaction and process its records again; counting
 * each record once keeps such a run from looking finished early.
 */
final class Progress {
  private final Set<Long> done = ConcurrentHashMap.newKeySet();

  /** Records that the record at {@code offset} of {@code partition} is finished with. */
  void finished(int partition, long offset) {
    done.add(((long) partition << 48) | offset);
  }

  /** How many distinct records are finished with. */
  long count() {
    return done.size();
  }
}
