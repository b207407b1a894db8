package io.tailstream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailstream.app.StreamsSettings;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleSet;
import io.tailstream.topology.TailSamplingTopology;
import io.tailstream.topology.TestTraces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.internals.BlockBasedTableConfigWithAccessibleCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;

class BoundedMemoryRocksDbConfigTest {
  @TempDir Path dir;

  /** Options as Kafka Streams hands them to a config setter. */
  static Options storeOptions() {
    Options options = new Options();
    options.setTableFormatConfig(new BlockBasedTableConfigWithAccessibleCache());
    return options;
  }

  @Test
  void givesEveryStoreTheSameCacheAndWriteBufferManager() {
    long bytes = 40L << 20;
    Map<String, Object> configs = Map.of(BoundedMemoryRocksDbConfig.MEMORY_BYTES_CONFIG, bytes);
    BoundedMemoryRocksDbConfig setter = new BoundedMemoryRocksDbConfig();
    try (Options fragments = storeOptions(); Options decisions = storeOptions()) {
      setter.setConfig("trace-fragments", fragments, configs);
      new BoundedMemoryRocksDbConfig().setConfig("trace-decisions.1700000000000", decisions,
          configs);

      for (Options o : new Options[] {fragments, decisions}) {
        BlockBasedTableConfigWithAccessibleCache table =
            (BlockBasedTableConfigWithAccessibleCache) o.tableFormatConfig();
        assertThat(table.blockCache()).isSameAs(BoundedMemoryRocksDbConfig.sharedCache(bytes));
        assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
        assertThat(table.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
        assertThat(o.writeBufferManager())
            .isSameAs(BoundedMemoryRocksDbConfig.sharedWriteBufferManager(bytes));
        assertThat(o.writeBufferSize()).isEqualTo(16L << 20);
      }
      setter.close("trace-fragments", fragments);
      // Closing one store leaves the shared cache usable by the others.
      assertThat(BoundedMemoryRocksDbConfig.sharedCache(bytes).isOwningHandle()).isTrue();
    }
  }

  @Test
  void memtablesGrowWithTheMemoryBetween16And256MiB() {
    assertThat(BoundedMemoryRocksDbConfig.writeBufferBytes(128L << 20)).isEqualTo(16L << 20);
    assertThat(BoundedMemoryRocksDbConfig.writeBufferBytes(512L << 20)).isEqualTo(64L << 20);
    assertThat(BoundedMemoryRocksDbConfig.writeBufferBytes(4L << 30)).isEqualTo(256L << 20);
    assertThat(BoundedMemoryRocksDbConfig.writeBufferBytes(32L << 20)).isEqualTo(16L << 20);
  }

  @Test
  void defaultsTo128MiBAndRejectsABadSize() {
    assertThat(BoundedMemoryRocksDbConfig.memoryBytes(Map.of())).isEqualTo(128L << 20);
    assertThat(BoundedMemoryRocksDbConfig.memoryBytes(
        Map.of(BoundedMemoryRocksDbConfig.MEMORY_BYTES_CONFIG, "67108864"))).isEqualTo(64L << 20);
    assertThatThrownBy(() -> BoundedMemoryRocksDbConfig.memoryBytes(
        Map.of(BoundedMemoryRocksDbConfig.MEMORY_BYTES_CONFIG, "lots")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tailstream.rocksdb.memory.bytes")
        .hasMessageContaining("must be a whole number of bytes");
  }

  @Test
  void streamsSettingsInstallTheSetterSizedByStateRocksdbMemory() {
    TailstreamConfig config = ConfigLoader.fromMap(Map.of("state.rocksdb.memory", "48MiB"));
    Properties props = StreamsSettings.of(config);
    assertThat(props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
        .isEqualTo(BoundedMemoryRocksDbConfig.class);
    assertThat(props.get(BoundedMemoryRocksDbConfig.MEMORY_BYTES_CONFIG)).isEqualTo(48L << 20);
    StreamsConfig streams = new StreamsConfig(props);
    assertThat(streams.getClass(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
        .isEqualTo(BoundedMemoryRocksDbConfig.class);
  }

  @Test
  void theTopologysStoresUseTheSharedCache() throws Exception {
    long bytes = 24L << 20; // a size no other test uses, so the cache is this test's alone
    Path rules = Files.writeString(dir.resolve("rules.yaml"),
        "rules:\n  - name: default\n    action: keep\n");
    TailstreamConfig config = ConfigLoader.fromMap(Map.of(
        "rules.file", rules.toString(),
        "state.dir", dir.resolve("state").toString(),
        "state.rocksdb.memory", "24MiB"));
    Instant t0 = Instant.parse("2026-11-21T10:00:00Z");
    try (TopologyTestDriver driver = new TopologyTestDriver(new TailSamplingTopology(config,
        new ActiveRules(RuleSet.load(rules)), new SamplerMetrics(new SimpleMeterRegistry()))
        .get(), StreamsSettings.of(config), t0)) {
      TestInputTopic<byte[], byte[]> spans = driver.createInputTopic(config.topics().spans(),
          new ByteArraySerializer(), new ByteArraySerializer(), t0, Duration.ZERO);
      spans.pipeInput(null, TestTraces.trace("0af7651916cd43dd8448eb211c80319c")
          .child("cart", "GET /cart").build());
      // Memtables are charged to the shared cache by its write buffer manager.
      assertThat(BoundedMemoryRocksDbConfig.sharedCache(bytes).getUsage()).isPositive();
    }
  }
}
