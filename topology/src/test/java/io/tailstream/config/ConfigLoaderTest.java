package io.tailstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  Path write(String yaml) throws Exception {
    Path file = dir.resolve("tailstream.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void appliesDefaultsForAnEmptyFile() throws Exception {
    TailstreamConfig c = ConfigLoader.load(write(""), Map.of());
    assertThat(c.applicationId()).isEqualTo("tailstream");
    assertThat(c.kafka().bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(c.input().encoding()).isEqualTo(TailstreamConfig.InputEncoding.OTLP_PROTO);
    assertThat(c.input().partitionedByTraceId()).isFalse();
    assertThat(c.topics()).isEqualTo(new TailstreamConfig.Topics("otlp_spans", "sampled_traces",
        "trace_decisions", "trace_metrics", "tailstream_dlq"));
    assertThat(c.decision()).isEqualTo(new TailstreamConfig.Decision(Duration.ofSeconds(10),
        Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(30), 1));
    assertThat(c.limits().maxSpansPerTrace()).isEqualTo(10_000);
    assertThat(c.processingGuarantee())
        .isEqualTo(TailstreamConfig.ProcessingGuarantee.EXACTLY_ONCE_V2);
    assertThat(c.http().port()).isEqualTo(8080);
  }

  @Test
  void readsTheDesignDocumentExample() throws Exception {
    TailstreamConfig c = ConfigLoader.load(write(String.join("\n",
        "application-id: sampler-eu",
        "kafka:",
        "  bootstrap-servers: kafka-1:9092,kafka-2:9092",
        "  properties:",
        "    security.protocol: SASL_SSL",
        "    sasl:",
        "      mechanism: PLAIN",
        "input:",
        "  encoding: otlp_json",
        "  partitioned-by-trace-id: true",
        "topics: { spans: in, sampled: out, decisions: dec, metrics: met, dead-letter: dlq }",
        "decision:",
        "  wait: 15s",
        "  root-grace: 500ms",
        "  max-trace-age: 1h",
        "  late-span-window: 2h",
        "limits:",
        "  max-spans-per-trace: 500",
        "rules:",
        "  file: /etc/tailstream/rules.yaml",
        "processing-guarantee: at_least_once",
        "state:",
        "  dir: /var/lib/tailstream",
        "http:",
        "  port: 9000",
        "")), Map.of());
    assertThat(c.applicationId()).isEqualTo("sampler-eu");
    assertThat(c.kafka().properties())
        .containsExactlyInAnyOrderEntriesOf(Map.of("security.protocol", "SASL_SSL",
            "sasl.mechanism", "PLAIN"));
    assertThat(c.input()).isEqualTo(
        new TailstreamConfig.Input(TailstreamConfig.InputEncoding.OTLP_JSON, true));
    assertThat(c.topics().deadLetter()).isEqualTo("dlq");
    assertThat(c.decision().rootGrace()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.decision().maxTraceAge()).isEqualTo(Duration.ofHours(1));
    assertThat(c.limits().maxSpansPerTrace()).isEqualTo(500);
    assertThat(c.rules().file()).isEqualTo(Path.of("/etc/tailstream/rules.yaml"));
    assertThat(c.processingGuarantee())
        .isEqualTo(TailstreamConfig.ProcessingGuarantee.AT_LEAST_ONCE);
    assertThat(c.state().dir()).isEqualTo(Path.of("/var/lib/tailstream"));
    assertThat(c.http().port()).isEqualTo(9000);
  }

  @Test
  void environmentOverridesTheFile() throws Exception {
    TailstreamConfig c = ConfigLoader.load(write("decision:\n  wait: 15s\n"), Map.of(
        "TAILSTREAM_KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
        "TAILSTREAM_DECISION_WAIT", "20s",
        "TAILSTREAM_LIMITS_MAX_SPANS_PER_TRACE", "42",
        "TAILSTREAM_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SSL",
        "TAILSTREAM_OPTS", "-Xmx1g",
        "PATH", "/usr/bin"));
    assertThat(c.kafka().bootstrapServers()).isEqualTo("broker:9093");
    assertThat(c.decision().idleTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.limits().maxSpansPerTrace()).isEqualTo(42);
    assertThat(c.kafka().properties()).containsEntry("security.protocol", "SSL");
  }

  @Test
  void namesTheEnvironmentVariableOfAKey() {
    assertThat(ConfigLoader.environmentVariable("kafka.bootstrap-servers"))
        .isEqualTo("TAILSTREAM_KAFKA_BOOTSTRAP_SERVERS");
    assertThat(ConfigLoader.environmentVariable("topics.dead-letter"))
        .isEqualTo("TAILSTREAM_TOPICS_DEAD_LETTER");
  }

  @Test
  void reportsEveryProblemAtOnce() throws Exception {
    Path file = write(String.join("\n",
        "decision:",
        "  wait: -5s",
        "  wiat: 10s",
        "  root-grace: soon",
        "limits:",
        "  max-spans-per-trace: 0",
        "input:",
        "  encoding: zipkin",
        "  partitioned-by-trace-id: maybe",
        "processing-guarantee: exactly_once",
        "topics:",
        "  spans: 'bad topic'",
        "http:",
        "  port: 70000",
        "colour: blue",
        ""));
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("TAILSTREAM_DECISION_WAITT", "1s")))
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).containsExactly(
            "unknown key 'decision.wiat'",
            "unknown key 'colour'",
            "unknown environment variable TAILSTREAM_DECISION_WAITT (no such config key)",
            "input.encoding was 'zipkin' but it must be otlp_proto or otlp_json",
            "input.partitioned-by-trace-id was 'maybe' but it must be true or false",
            "topics.spans was 'bad topic' but it must be a Kafka topic name: 1 to 249 of the "
                + "characters a-z A-Z 0-9 . _ -",
            "decision.wait was '-5s' but it must be positive",
            "decision.root-grace was 'soon' but it must be a duration such as 500ms, 10s, 5m or 1h",
            "limits.max-spans-per-trace was '0' but it must be positive",
            "processing-guarantee was 'exactly_once' but it must be exactly_once_v2 or "
                + "at_least_once",
            "http.port was '70000' but it must be a port number from 0 to 65535"))
        .hasMessageStartingWith("Invalid configuration (11 problems):\n  - unknown key");
  }

  @Test
  void readsSizesWithUnits() throws Exception {
    TailstreamConfig c = ConfigLoader.load(write(String.join("\n",
        "limits:",
        "  max-trace-bytes: 512KiB",
        "state:",
        "  rocksdb:",
        "    memory: 1GB",
        "")), Map.of());
    assertThat(c.limits().maxTraceBytes()).isEqualTo(512 * 1024);
    assertThat(c.state().rocksDbMemoryBytes()).isEqualTo(1L << 30);
  }

  @Test
  void defaultsSizeLimitsAndMaxRequestSize() throws Exception {
    TailstreamConfig c = ConfigLoader.load(write(""), Map.of());
    assertThat(c.limits().maxTraceBytes()).isEqualTo(8L << 20);
    assertThat(c.state().rocksDbMemoryBytes()).isEqualTo(128L << 20);
    assertThat(c.kafka().maxRequestSize()).isEqualTo(1_048_576);
  }

  @Test
  void overridesSizesFromTheEnvironment() throws Exception {
    TailstreamConfig c = ConfigLoader.load(write(""), Map.of(
        "TAILSTREAM_STATE_ROCKSDB_MEMORY", "64m",
        "TAILSTREAM_LIMITS_MAX_TRACE_BYTES", "2097152"));
    assertThat(c.state().rocksDbMemoryBytes()).isEqualTo(64L << 20);
    assertThat(c.limits().maxTraceBytes()).isEqualTo(2L << 20);
  }

  @Test
  void readsTheProducersMaxRequestSizeWithTheProducerPrefixFirst() {
    assertThat(ConfigLoader.fromMap(Map.of("kafka.properties.max.request.size", "2000000"))
        .kafka().maxRequestSize()).isEqualTo(2_000_000);
    assertThat(ConfigLoader.fromMap(Map.of("kafka.properties.max.request.size", "2000000",
        "kafka.properties.producer.max.request.size", "3000000")).kafka().maxRequestSize())
        .isEqualTo(3_000_000);
  }

  @Test
  void reportsBadSizes() {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of(
        "limits.max-trace-bytes", "8 megs",
        "state.rocksdb.memory", "1MiB",
        "kafka.properties.max.request.size", "1000",
        "kafka.properties.producer.max.request.size", "big")))
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).containsExactly(
            "limits.max-trace-bytes was '8 megs' but it must be a size such as 1048576, 512KiB,"
                + " 64MB or 1GiB",
            "state.rocksdb.memory was '1MiB' but it must be at least 8MiB",
            "kafka.properties.producer.max.request.size was 'big' but it must be a whole number"
                + " of at least 4096",
            "kafka.properties.max.request.size was '1000' but it must be a whole number of at"
                + " least 4096"));
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("limits.max-trace-bytes", "2GiB")))
        .hasMessageContaining("limits.max-trace-bytes was '2GiB' but it must be at most 1GiB");
  }

  @Test
  void rejectsMaxTraceAgeShorterThanWait() {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("decision.wait", "10m")))
        .hasMessageContaining(
            "decision.max-trace-age was '5m' but it must be at least decision.wait ('10m')");
  }

  @Test
  void rejectsUnknownKeysInMaps() {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("decision.later", "1s")))
        .hasMessageContaining("unknown key 'decision.later'");
  }

  @Test
  void reportsYamlSyntaxErrorsWithTheirPosition() throws Exception {
    Path file = write("decision:\n  wait: [10s\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .hasMessageContaining("not valid YAML")
        .hasMessageContaining("line 3");
  }
}
