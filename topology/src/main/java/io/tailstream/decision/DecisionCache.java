package io.tailstream.decision;

import io.tailstream.rules.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Remembers each decided trace's decision for {@code decision.late-span-window}, in a changelogged
 * window store keyed by trace ID and stamped with the wall-clock decision time. A span that
 * arrives after its trace was decided follows the decision found here.
 */
public final class DecisionCache {
  private final WindowStore<Bytes, byte[]> store;
  private final Duration retention;

  public DecisionCache(WindowStore<Bytes, byte[]> store, Duration retention) {
    this.store = store;
    this.retention = retention;
  }

  /** Records a decision made at {@code nowMs}. */
  public void remember(byte[] traceId, Decision decision, long nowMs) {
    store.put(Bytes.wrap(traceId), CachedDecision.of(decision).encode(), nowMs);
  }

  /** The decision made for a trace within the retention before {@code nowMs}, if any. */
  public Optional<CachedDecision> find(byte[] traceId, long nowMs) {
    Instant to = Instant.ofEpochMilli(nowMs);
    // backwardFetch returns the newest window first; one is enough.
    try (WindowStoreIterator<byte[]> it =
        store.backwardFetch(Bytes.wrap(traceId), to.minus(retention), to)) {
      if (it.hasNext()) {
        return Optional.of(CachedDecision.decode(it.next().value));
      }
    }
    return Optional.empty();
  }

  /** Number of remembered decisions; a full scan, for tests only. */
  // Visible for testing
  public long countForTesting() {
    long n = 0;
    try (KeyValueIterator<Windowed<Bytes>, byte[]> it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }
}
