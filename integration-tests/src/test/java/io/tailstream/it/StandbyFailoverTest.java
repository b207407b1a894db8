package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances with {@code num.standby.replicas=1} under {@code at_least_once}: each keeps a warm
 * copy of the other's
 * stores. When one stops while traces are buffered, the other takes its tasks over from the
 * standby copies and restores only what they had not yet checkpointed, far less than the
 * changelogs hold; and every trace is still decided exactly once, with every span.
 *
 * <p>Under {@code exactly_once_v2} Kafka Streams 4.3 records a standby's position only every
 * 10,000 changelog records, and in our runs a promoted standby restored its stores from the
 * start of the changelogs; that is why this test runs {@code at_least_once}, and the README
 * says so.
 */
class StandbyFailoverTest {
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
  void aStandbyTakesOverWithoutAFullRestore() throws Exception {
    Map<String, String> standby = Map.of("kafka.properties.num.standby.replicas", "1",
        "processing-guarantee", "at_least_once");
    TailstreamConfig first = Pipelines.config(kafka, dir, "standby", dir.resolve("state-a"),
        "10s", standby);
    TailstreamConfig second = Pipelines.sameApp(kafka, first, dir.resolve("state-b"), standby);
    GeneratedTraces generator = new GeneratedTraces(71);
    List<GeneratedTraces.Trace> traces = generator.traces(4_000);
    List<byte[]> records = generator.records(traces, 40);
    long spans = traces.stream().mapToLong(t -> t.spans().size()).sum();

    try (CommittedReader decisions = new CommittedReader(kafka, first.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, first.topics().sampled());
        SamplerApp b = SamplerApp.start(second)) {
      SamplerApp a = SamplerApp.start(first);
      try {
        await(() -> running(a) && running(b), Duration.ofSeconds(90));
        Pipelines.produce(kafka, first, records);
        // Everything buffered (decision.wait is 10 s), then a moment for the standbys to read it.
        await(() -> received(a) + received(b) >= spans, Duration.ofSeconds(60));
        Thread.sleep(3_000);
        long changelogRecords = changelogRecords(first.applicationId());
        double restoredBefore = restored(b);
        System.out.println("StandbyFailoverTest: before the failover, A runs " + tasks(a)
            + " and B runs " + tasks(b));

        a.close();
        await(() -> running(b), Duration.ofSeconds(60));
        decisions.pollUntil(() -> decisions.keys().size() >= traces.size(),
            Duration.ofSeconds(60));
        double restoredInFailover = restored(b) - restoredBefore;
        System.out.printf("StandbyFailoverTest: changelogs hold %d records; the survivor"
            + " restored %.0f of them when it took over%n", changelogRecords, restoredInFailover);
        // A full restore of even one moved assembly task would read a third of the changelogs.
        assertThat(changelogRecords).isGreaterThan(30_000);
        assertThat(restoredInFailover).isLessThan(changelogRecords / 3.0 / 2);
      } finally {
        a.close();
      }
      decisions.drain(Duration.ofSeconds(2));
      Set<String> expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept)
          .map(GeneratedTraces.Trace::id).collect(Collectors.toSet());
      sampled.pollUntil(() -> sampled.keys().containsAll(expectedKept), Duration.ofSeconds(30));
      sampled.drain(Duration.ofSeconds(2));
      Map<String, Integer> perTrace = EndToEndSamplingTest.decisionsPerTrace(decisions.records);
      assertThat(perTrace).hasSize(traces.size());
      assertThat(perTrace.values()).containsOnly(1);
      EndToEndSamplingTest.assertExactlyTheKeptTraces(traces,
          EndToEndSamplingTest.keptSpans(sampled.records));
    }
  }

  /** The task IDs an instance runs, active and standby. */
  static String tasks(SamplerApp app) {
    StringBuilder b = new StringBuilder();
    app.streams().metadataForLocalThreads().forEach(t -> {
      t.activeTasks().forEach(m -> b.append(m.taskId()).append(' '));
      b.append("standby ");
      t.standbyTasks().forEach(m -> b.append(m.taskId()).append(' '));
    });
    return b.toString().trim();
  }

  static boolean running(SamplerApp app) {
    return app.streams().state() == KafkaStreams.State.RUNNING;
  }

  static double received(SamplerApp app) {
    return app.metrics().registry().get("tailstream.spans.received").counter().count();
  }

  static double restored(SamplerApp app) {
    return app.metrics().registry().get("tailstream.state.restored").counter().count();
  }

  /** Records in the application's changelog topics: what a full restore would read. */
  static long changelogRecords(String applicationId) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers()))) {
      Set<String> changelogs = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog"))
          .collect(Collectors.toSet());
      Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
      admin.describeTopics(changelogs).allTopicNames().get(30, TimeUnit.SECONDS)
          .forEach((name, d) -> d.partitions().forEach(p ->
              ends.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      return admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(r -> r.offset()).sum();
    }
  }

  static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within %s", timeout).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
