package io.tailstream.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.rules.Decision;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecisionCacheTest {
  static final Duration WINDOW = Duration.ofMinutes(30);
  static final long T0 = 1_790_000_000_000L;

  WindowStore<Bytes, byte[]> store;

  @BeforeEach
  void openStore() {
    store = Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore("trace-decisions", WINDOW, Duration.ofMillis(1), false),
            Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingDisabled().build();
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    store.init(context.getStateStoreContext(), store);
  }

  static byte[] id(int n) {
    byte[] id = new byte[16];
    id[0] = (byte) n;
    id[15] = (byte) (n >> 8);
    return id;
  }

  @Test
  void findsWhatItRememberedWithinTheWindowOnly() {
    DecisionCache cache = new DecisionCache(store, WINDOW);
    cache.remember(id(1), Decision.keep("errors"), T0);
    assertThat(cache.find(id(1), T0 + 1_000)).get().extracting(CachedDecision::rule)
        .isEqualTo("errors");
    assertThat(cache.find(id(2), T0 + 1_000)).isEmpty();
    assertThat(cache.find(id(1), T0 + WINDOW.toMillis() + 1)).isEmpty();
  }

  @Test
  void aCacheCreatedOverRestoredDecisionsFindsThem() {
    // What a restore, a rebalance or a restart does: the store holds decisions this cache's
    // filter never saw being remembered.
    DecisionCache before = new DecisionCache(store, WINDOW);
    for (int i = 0; i < 500; i++) {
      before.remember(id(i), i % 2 == 0 ? Decision.keep("errors") : Decision.drop("health"),
          T0 + i);
    }
    DecisionCache after = new DecisionCache(store, WINDOW);
    for (int i = 0; i < 500; i++) {
      assertThat(after.find(id(i), T0 + 1_000)).as("trace %d", i).get()
          .extracting(CachedDecision::kept).isEqualTo(i % 2 == 0);
    }
    assertThat(after.find(id(600), T0 + 1_000)).isEmpty();
  }
}
