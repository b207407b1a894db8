package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.app.SamplerApp;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/** What the integration tests share: a per-test sampler config with its topics, and a producer. */
final class Pipelines {
  static final int PARTITIONS = 3;

  private Pipelines() {}

  /**
   * A config with unique topics and application id, so tests never see each other's records;
   * creates the topics. The rules are {@link GeneratedTraces#RULES}, written into {@code dir}.
   */
  static TailstreamConfig config(EmbeddedKafka kafka, Path dir, String name, Path stateDir,
      String wait) throws Exception {
    return config(kafka, dir, name, stateDir, wait, Map.of());
  }

  /** As above, with further config keys. */
  static TailstreamConfig config(EmbeddedKafka kafka, Path dir, String name, Path stateDir,
      String wait, Map<String, String> extra) throws Exception {
    return config(kafka, dir, name, stateDir, wait, extra, PARTITIONS);
  }

  /** As above, with {@code partitions} partitions in every topic. */
  static TailstreamConfig config(EmbeddedKafka kafka, Path dir, String name, Path stateDir,
      String wait, Map<String, String> extra, int partitions) throws Exception {
    String suffix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    Path rules = dir.resolve("rules.yaml");
    if (!Files.exists(rules)) {
      Files.writeString(rules, GeneratedTraces.RULES);
    }
    Map<String, String> settings = new java.util.HashMap<>(Map.ofEntries(
        Map.entry("application-id", "it-" + suffix),
        Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()),
        Map.entry("topics.spans", "spans-" + suffix),
        Map.entry("topics.sampled", "sampled-" + suffix),
        Map.entry("topics.decisions", "decisions-" + suffix),
        Map.entry("topics.dead-letter", "dlq-" + suffix),
        Map.entry("topics.metrics", "metrics-" + suffix),
        Map.entry("decision.wait", wait),
        Map.entry("decision.root-grace", wait),
        Map.entry("rules.file", rules.toString()),
        Map.entry("state.dir", stateDir.toString()),
        Map.entry("http.host", "127.0.0.1"),
        Map.entry("http.port", "0"),
        Map.entry("kafka.properties.commit.interval.ms", "200")));
    settings.putAll(extra);
    TailstreamConfig config = ConfigLoader.fromMap(settings);
    kafka.createTopics(partitions, config.topics().spans(), config.topics().sampled(),
        config.topics().decisions(), config.topics().deadLetter(), config.topics().metrics());
    return config;
  }

  /**
   * Another instance of the same sampler: the same application id, topics, rules and timing,
   * with its own state directory and HTTP port, and {@code extra} keys on top.
   */
  static TailstreamConfig sameApp(EmbeddedKafka kafka, TailstreamConfig config, Path stateDir,
      Map<String, String> extra) {
    Map<String, String> settings = new java.util.HashMap<>(Map.ofEntries(
        Map.entry("application-id", config.applicationId()),
        Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()),
        Map.entry("topics.spans", config.topics().spans()),
        Map.entry("topics.sampled", config.topics().sampled()),
        Map.entry("topics.decisions", config.topics().decisions()),
        Map.entry("topics.dead-letter", config.topics().deadLetter()),
        Map.entry("topics.metrics", config.topics().metrics()),
        Map.entry("decision.wait", config.decision().idleTimeout().toMillis() + "ms"),
        Map.entry("decision.root-grace", config.decision().rootGrace().toMillis() + "ms"),
        Map.entry("rules.file", config.rules().file().toString()),
        Map.entry("state.dir", stateDir.toString()),
        Map.entry("http.host", "127.0.0.1"),
        Map.entry("http.port", "0")));
    config.kafka().properties().forEach((k, v) -> settings.put("kafka.properties." + k, v));
    settings.putAll(extra);
    return ConfigLoader.fromMap(settings);
  }

  /**
   * Sends one record per trace, keyed by the trace ID, so that every span of a trace lands on
   * one partition, as the Collector's kafka exporter does with {@code partition_traces_by_id}.
   */
  static void produceByTraceId(EmbeddedKafka kafka, TailstreamConfig config,
      List<GeneratedTraces.Trace> traces) {
    Properties p = new Properties();
    p.putAll(kafka.clientProperties());
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (GeneratedTraces.Trace t : traces) {
        producer.send(new ProducerRecord<>(config.topics().spans(),
            java.util.HexFormat.of().parseHex(t.id()), GeneratedTraces.request(t.spans())));
      }
      producer.flush();
    }
  }

  /** Sends records with null keys, round-robin over the topic's partitions. */
  static void produce(EmbeddedKafka kafka, TailstreamConfig config, List<byte[]> records) {
    Properties p = new Properties();
    p.putAll(kafka.clientProperties());
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      int partitions = producer.partitionsFor(config.topics().spans()).size();
      for (int i = 0; i < records.size(); i++) {
        producer.send(new ProducerRecord<>(config.topics().spans(), i % partitions, null,
            records.get(i)));
      }
      producer.flush();
    }
  }

  /**
   * Waits until the counter {@code name} of {@code app} reaches {@code expected}, then asserts it
   * is exactly that. Fails at once if Kafka Streams stopped, and on timeout names the state and
   * shows where the app's stream and decision threads are, so a stall on a slow machine can be
   * told from a lost record.
   */
  static void awaitCounter(SamplerApp app, String name, double expected, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count(app, name) < expected) {
      KafkaStreams.State state = app.streams().state();
      if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
        throw new AssertionError(name + " stopped at " + count(app, name) + " of " + expected
            + ": Kafka Streams is " + state + " (its log above says why)");
      }
      if (System.nanoTime() >= deadline) {
        throw new AssertionError(name + " reached " + count(app, name) + " of " + expected
            + " in " + timeout + "; Kafka Streams is " + state + "\n" + appThreads());
      }
      Thread.sleep(50);
    }
    assertThat(count(app, name)).as(name).isEqualTo(expected);
  }

  private static double count(SamplerApp app, String name) {
    return app.metrics().registry().get(name).counter().count();
  }

  /** The stacks of the Kafka Streams and decision threads in this JVM. */
  private static String appThreads() {
    StringBuilder out = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      if (thread.getName().contains("StreamThread") || thread.getName().contains("decision")) {
        out.append('"').append(thread.getName()).append("\" ").append(thread.getState())
            .append('\n');
        for (StackTraceElement frame : stack) {
          out.append("    at ").append(frame).append('\n');
        }
      }
    });
    return out.toString();
  }
}
