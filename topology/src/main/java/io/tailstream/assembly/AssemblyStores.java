package io.tailstream.assembly;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/** Names and builders of the assembly processor's state stores. All are persistent and logged. */
public final class AssemblyStores {
  public static final String FRAGMENTS = "trace-fragments";
  public static final String STATE = "trace-state";
  public static final String DEADLINES = "trace-deadlines";
  public static final String DECISIONS = "trace-decisions";

  private AssemblyStores() {}

  public static StoreBuilder<KeyValueStore<Bytes, byte[]>> keyValue(String name) {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingEnabled(Map.of());
  }

  /**
   * The decision cache. Windows are one millisecond wide: each entry is a point in time, and the
   * retention is what matters.
   */
  public static StoreBuilder<WindowStore<Bytes, byte[]>> decisionCache(Duration retention) {
    return Stores.windowStoreBuilder(
            Stores.persistentWindowStore(DECISIONS, retention, Duration.ofMillis(1), false),
            Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingEnabled(Map.of());
  }
}
