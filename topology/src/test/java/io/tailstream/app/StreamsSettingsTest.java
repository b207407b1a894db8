package io.tailstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.config.ConfigLoader;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {

  @Test
  void streamsProducerCompressesWithLz4ByDefault() {
    Properties p = StreamsSettings.of(ConfigLoader.fromMap(Map.of()));
    assertThat(p.getProperty("producer.compression.type")).isEqualTo("lz4");
    assertThat(p.getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
  }

  @Test
  void streamsProducerBatchesUpTo256KiB() {
    Properties p = StreamsSettings.of(ConfigLoader.fromMap(Map.of()));
    assertThat(p.get("producer.batch.size")).isEqualTo(262_144);
  }

  @Test
  void exactlyOnceCommitsOnceASecondWithoutTheRepartitionStep() {
    Map<String, String> partitioned = Map.of("input.partitioned-by-trace-id", "true");
    assertThat(StreamsSettings.of(ConfigLoader.fromMap(partitioned)).get("commit.interval.ms"))
        .isEqualTo(1_000);
    // With the repartition step, and under at_least_once, Kafka Streams' own default stays.
    assertThat(StreamsSettings.of(ConfigLoader.fromMap(Map.of())).get("commit.interval.ms"))
        .isNull();
    assertThat(StreamsSettings.of(ConfigLoader.fromMap(Map.of("input.partitioned-by-trace-id",
        "true", "processing-guarantee", "at_least_once"))).get("commit.interval.ms")).isNull();
    assertThat(StreamsSettings.of(ConfigLoader.fromMap(Map.of("input.partitioned-by-trace-id",
        "true", "kafka.properties.commit.interval.ms", "100"))).get("commit.interval.ms"))
        .isEqualTo("100");
  }

  @Test
  void kafkaPropertiesOverrideTheDefaults() {
    Properties p = StreamsSettings.of(ConfigLoader.fromMap(Map.of(
        "kafka.properties.producer.compression.type", "zstd",
        "kafka.properties.producer.batch.size", "65536")));
    assertThat(p.getProperty("producer.compression.type")).isEqualTo("zstd");
    assertThat(p.get("producer.batch.size")).isEqualTo("65536");
  }
}
