package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Horizontal scaling under continuous load, with each sampler a separate JVM ({@code
 * bin/tailstream run}) of one application on a 6-partition input topic partitioned by trace ID
 * (as the Collector's kafka exporter does with {@code partition_traces_by_id}): 1 → 3 instances
 * (two added), 3 → 2 (one stopped with SIGTERM), 2 → 1 (one killed with SIGKILL). A {@code
 * read_committed} consumer must then see every trace decided exactly once with all its spans,
 * every kept trace whole in one record, and nothing lost or written twice.
 *
 * <p>The partitioning matters for the kill: until the session timeout the dead instance's
 * partitions are read by nobody. With spans of one trace spread over partitions, the rest of the
 * trace would be decided without them, and they would follow as late spans.
 */
class RescaleTest {
  static final int PARTITIONS = 6;

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
  void scalingOneToThreeToTwoToOneSplitsLosesAndDuplicatesNothing() throws Exception {
    TailstreamConfig config = Pipelines.config(kafka, dir, "rescale", dir.resolve("state"), "2s",
        Map.of("input.partitioned-by-trace-id", "true"), PARTITIONS);
    // A removed static member hands its partitions over after the session timeout.
    Map<String, String> session = Map.of("session.timeout.ms", "10000");
    Path logs = Files.createDirectories(Path.of("target", "rescale"));
    GeneratedTraces generator = new GeneratedTraces(81);
    List<GeneratedTraces.Trace> traces = generator.traces(4_000);
    // One record per trace, keyed by its ID; 30 traces every 300 ms: about 40 s of load.
    List<List<GeneratedTraces.Trace>> batches = new ArrayList<>();
    for (int i = 0; i < traces.size(); i += 30) {
      batches.add(traces.subList(i, Math.min(traces.size(), i + 30)));
    }

    SamplerProcess[] instances = new SamplerProcess[4];
    List<String> events = new ArrayList<>();
    try (CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled())) {
      instances[1] = start(config, 1, session, logs);
      instances[1].awaitReady(Duration.ofSeconds(90));
      BackgroundLoad load = BackgroundLoad.start(batches,
          batch -> Pipelines.produceByTraceId(kafka, config, batch), Duration.ofMillis(300));
      Thread.sleep(6_000);

      instances[2] = start(config, 2, session, logs);
      instances[3] = start(config, 3, session, logs);
      instances[2].awaitReady(Duration.ofSeconds(90));
      instances[3].awaitReady(Duration.ofSeconds(90));
      events.add("1 -> 3");
      Thread.sleep(8_000);

      Duration took = instances[3].terminate(Duration.ofSeconds(45));
      events.add("3 -> 2 (SIGTERM, stopped in " + took.toMillis() + " ms)");
      Thread.sleep(8_000);

      instances[2].kill();
      events.add("2 -> 1 (SIGKILL)");

      load.join();
      decisions.pollUntil(() -> decisions.keys().size() >= traces.size(), Duration.ofSeconds(120));
      instances[1].terminate(Duration.ofSeconds(45));
      System.out.println("RescaleTest: " + events + "; logs in " + logs);
      decisions.drain(Duration.ofSeconds(2));
      Set<String> expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept)
          .map(GeneratedTraces.Trace::id).collect(Collectors.toSet());
      sampled.pollUntil(() -> sampled.keys().containsAll(expectedKept), Duration.ofSeconds(30));
      sampled.drain(Duration.ofSeconds(2));

      // Every trace decided once, having seen all its spans: none split by a rescale.
      Map<String, TraceDecision> byTrace = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : decisions.records) {
        assertThat(byTrace.put(r.key(), TraceDecisionCodec.decode(r.value())))
            .as("second decision for %s (%s)", r.key(), events).isNull();
      }
      assertThat(byTrace.keySet()).containsExactlyInAnyOrderElementsOf(
          traces.stream().map(GeneratedTraces.Trace::id).collect(Collectors.toSet()));
      for (GeneratedTraces.Trace t : traces) {
        TraceDecision d = byTrace.get(t.id());
        assertThat(d.getSpanCount()).as("spans seen when %s was decided: %s (%s)", t.id(), d,
            events).isEqualTo(t.spans().size());
      }
      // Every kept trace whole in one record; nothing else kept.
      Map<String, Long> recordsPerTrace = sampled.records.stream()
          .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(recordsPerTrace.keySet()).containsExactlyInAnyOrderElementsOf(expectedKept);
      assertThat(recordsPerTrace.values()).as("records per kept trace").containsOnly(1L);
      EndToEndSamplingTest.assertExactlyTheKeptTraces(traces,
          EndToEndSamplingTest.keptSpans(sampled.records));
    } finally {
      for (SamplerProcess p : instances) {
        if (p != null) {
          p.close();
        }
      }
    }
  }

  static SamplerProcess start(TailstreamConfig config, int instance, Map<String, String> kafka,
      Path logs) throws Exception {
    int port = SamplerProcess.freePort();
    Path file = CrashRecoveryTest.writeConfig(config, port, kafka, instance);
    Files.writeString(file, Files.readString(file)
        .replace("topics:\n", "input:\n  partitioned-by-trace-id: true\ntopics:\n"));
    Path log = logs.resolve("instance-" + instance + ".log");
    Files.deleteIfExists(log);
    return SamplerProcess.start(file, port, log);
  }
}
