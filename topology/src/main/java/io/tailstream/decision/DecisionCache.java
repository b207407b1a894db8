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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers each decided trace's decision for {@code decision.late-span-window}, in a changelogged
 * window store keyed by trace ID and stamped with the wall-clock decision time. A span that
 * arrives after its trace was decided follows the decision found here.
 *
 * <p>In front of the store, a {@link DecidedTraceFilter} answers for the first span of nearly
 * every new trace that it was never decided, without a seek through the store's segments. The
 * filter lives on the heap, 10 to 20 bits per remembered decision, and is rebuilt from the store
 * whenever the cache is created: after a restore, a rebalance or a restart.
 */
public final class DecisionCache {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionCache.class);

  private final WindowStore<Bytes, byte[]> store;
  private final Duration retention;
  private final DecidedTraceFilter filter;

  /** A cache over {@code store}, whose remembered decisions, restored ones included, it loads. */
  public DecisionCache(WindowStore<Bytes, byte[]> store, Duration retention) {
    this.store = store;
    this.retention = retention;
    this.filter = new DecidedTraceFilter(retention.toMillis());
    long started = System.nanoTime();
    try (KeyValueIterator<Windowed<Bytes>, byte[]> it = store.all()) {
      while (it.hasNext()) {
        Windowed<Bytes> key = it.next().key;
        filter.add(key.key().get(), key.window().start());
      }
    }
    if (filter.entries() > 0) {
      LOG.info("Decision cache {}: {} remembered decisions loaded into its filter in {} ms",
          store.name(), filter.entries(), (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** Records a decision made at {@code nowMs}. */
  public void remember(byte[] traceId, Decision decision, long nowMs) {
    store.put(Bytes.wrap(traceId), CachedDecision.of(decision).encode(), nowMs);
    filter.add(traceId, nowMs);
  }

  /** The decision made for a trace within the retention before {@code nowMs}, if any. */
  public Optional<CachedDecision> find(byte[] traceId, long nowMs) {
    filter.expire(nowMs);
    if (!filter.mightContain(traceId, nowMs - retention.toMillis(), nowMs)) {
      return Optional.empty();
    }
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
