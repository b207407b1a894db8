package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampler as a separate JVM ({@code bin/tailstream run}) under continuous load, killed with
 * SIGKILL at random moments three times and stopped with SIGTERM twice, each time started again
 * on the same state directory. A {@code read_committed} consumer must then see every trace the
 * rules keep with every span, no span twice, no dropped trace, and exactly one decision per
 * trace.
 */
class CrashRecoveryTest {
  /** Graceful shutdown must finish within this bound (Kafka Streams' close timeout is 30 s). */
  static final Duration SIGTERM_BOUND = Duration.ofSeconds(45);

  static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void sigkillAndSigtermUnderLoadLoseAndDuplicateNothing() throws Exception {
    TailstreamConfig config = Pipelines.config(kafka, dir, "crash", dir.resolve("state"), "2s");
    int httpPort = SamplerProcess.freePort();
    Path configFile = writeConfig(config, httpPort);
    // Kept in target/ so that a failure can be read after the temporary directory is gone.
    Path log = java.nio.file.Files.createDirectories(Path.of("target"))
        .resolve("crash-recovery-sampler.log");
    java.nio.file.Files.deleteIfExists(log);
    long seed = System.nanoTime();
    Random random = new Random(seed);
    System.out.println("CrashRecoveryTest: kill-point seed " + seed + ", sampler log " + log);

    GeneratedTraces generator = new GeneratedTraces(seed);
    List<GeneratedTraces.Trace> traces = generator.traces(3_000);
    // Batches of whole traces, one every 250 ms: about 25 s of continuous load.
    List<List<byte[]>> batches = generator.batches(traces, 30, 25);

    List<String> events = new ArrayList<>();
    SamplerProcess sampler = SamplerProcess.start(configFile, httpPort, log);
    try (CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled())) {
      sampler.awaitReady(Duration.ofSeconds(90));
      BackgroundLoad load = BackgroundLoad.start(batches,
          batch -> Pipelines.produce(kafka, config, batch), Duration.ofMillis(250));
      for (int kill = 1; kill <= 3; kill++) {
        long after = 1_000 + random.nextInt(3_000);
        Thread.sleep(after);
        sampler.kill();
        events.add("SIGKILL after " + after + " ms");
        sampler = SamplerProcess.start(configFile, httpPort, log);
        sampler.awaitReady(Duration.ofSeconds(90));
      }
      long after = 500 + random.nextInt(2_000);
      Thread.sleep(after);
      Duration took = sampler.terminate(SIGTERM_BOUND);
      events.add("SIGTERM after " + after + " ms, stopped in " + took.toMillis() + " ms");
      sampler = SamplerProcess.start(configFile, httpPort, log);
      sampler.awaitReady(Duration.ofSeconds(90));

      load.join();
      decisions.pollUntil(() -> decisions.keys().size() >= traces.size(), Duration.ofSeconds(90));
      took = sampler.terminate(SIGTERM_BOUND);
      events.add("final SIGTERM, stopped in " + took.toMillis() + " ms");
      System.out.println("CrashRecoveryTest: " + events);
      decisions.drain(Duration.ofSeconds(2));
      Set<String> expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept)
          .map(GeneratedTraces.Trace::id).collect(Collectors.toSet());
      sampled.pollUntil(() -> sampled.keys().containsAll(expectedKept), Duration.ofSeconds(30));
      sampled.drain(Duration.ofSeconds(2));

      Map<String, Integer> perTrace = EndToEndSamplingTest.decisionsPerTrace(decisions.records);
      assertThat(perTrace.keySet()).as("traces decided (%s)", events)
          .containsExactlyInAnyOrderElementsOf(
              traces.stream().map(GeneratedTraces.Trace::id).collect(Collectors.toSet()));
      assertThat(perTrace.values()).as("decisions per trace (%s)", events).containsOnly(1);
      // Each trace decided as the rules say, seeing all its spans: no trace split by a crash.
      Map<String, io.tailstream.serdes.avro.TraceDecision> byTrace = new java.util.HashMap<>();
      decisions.records.forEach(r -> byTrace.put(r.key(),
          io.tailstream.serdes.avro.TraceDecisionCodec.decode(r.value())));
      for (GeneratedTraces.Trace t : traces) {
        io.tailstream.serdes.avro.TraceDecision d = byTrace.get(t.id());
        assertThat(d.getSpanCount()).as("spans seen when %s (%s) was decided: %s (%s)", t.id(),
            t.kind(), d, events).isEqualTo(t.spans().size());
        assertThat(d.getDecision() == io.tailstream.serdes.avro.Decision.KEEP)
            .as("decision of %s (%s): %s", t.id(), t.kind(), d).isEqualTo(t.expectedKept());
      }
      // Every kept trace with every span exactly once, and nothing else.
      EndToEndSamplingTest.assertExactlyTheKeptTraces(traces,
          EndToEndSamplingTest.keptSpans(sampled.records));
    } finally {
      sampler.close();
    }
  }

  /** The config file the sampler process reads: the same topics and rules as {@code config}. */
  static Path writeConfig(TailstreamConfig config, int httpPort) throws Exception {
    return writeConfig(config, httpPort, Map.of(), 0);
  }

  /** As above, with further Kafka client properties (values written single-quoted). */
  static Path writeConfig(TailstreamConfig config, int httpPort,
      Map<String, String> kafkaProperties) throws Exception {
    return writeConfig(config, httpPort, kafkaProperties, 0);
  }

  /**
   * The config file of instance {@code instance} of the sampler: its own file, state directory,
   * HTTP port and static member id ({@code group.instance.id}, as the Helm chart derives it from
   * the pod name), and the topics, rules and timing of {@code config}.
   */
  static Path writeConfig(TailstreamConfig config, int httpPort,
      Map<String, String> kafkaProperties, int instance) throws Exception {
    Path file = config.rules().file().resolveSibling("tailstream-" + instance + ".yaml");
    StringBuilder extra = new StringBuilder();
    kafkaProperties.forEach((k, v) -> extra.append("    ").append(k).append(": '")
        .append(v.replace("'", "''")).append("'\n"));
    Files.writeString(file, String.join("\n",
        "application-id: " + config.applicationId(),
        "kafka:",
        "  bootstrap-servers: " + config.kafka().bootstrapServers(),
        "  properties:",
        "    commit.interval.ms: 200",
        // Static membership: a restarted instance takes its partitions back at once instead of
        // after the session timeout.
        "    group.instance.id: " + config.applicationId() + "-" + instance,
        extra.toString().stripTrailing(),
        "topics:",
        "  spans: " + config.topics().spans(),
        "  sampled: " + config.topics().sampled(),
        "  decisions: " + config.topics().decisions(),
        "  dead-letter: " + config.topics().deadLetter(),
        "  metrics: " + config.topics().metrics(),
        "decision:",
        "  wait: " + config.decision().idleTimeout().toMillis() + "ms",
        "  root-grace: " + config.decision().rootGrace().toMillis() + "ms",
        "rules:",
        "  file: " + config.rules().file(),
        "state:",
        "  dir: " + config.state().dir() + (instance == 0 ? "" : "-" + instance),
        "http:",
        "  host: 127.0.0.1",
        "  port: " + httpPort,
        ""));
    return file;
  }
}
