package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
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
 * The whole pipeline against a real Kafka broker in this JVM: OTLP records with null keys, many
 * traces per record and traces spread over partitions go in; exactly the traces the rules keep
 * come out, each with every one of its spans, read with {@code read_committed}.
 */
class EndToEndSamplingTest {
  static final int PARTITIONS = 3;
  static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    kafka.close();
  }

  /** Unique topics and application id per test, so tests never see each other's records. */
  TailstreamConfig config(String name, Path stateDir) throws Exception {
    return config(name, stateDir, "3s");
  }

  TailstreamConfig config(String name, Path stateDir, String wait) throws Exception {
    return Pipelines.config(kafka, dir, name, stateDir, wait);
  }

  static void produce(TailstreamConfig config, List<byte[]> records) {
    Pipelines.produce(kafka, config, records);
  }


  /** Every span ID of every kept trace, by trace ID, merging all records of a trace. */
  static Map<String, List<String>> keptSpans(List<ConsumerRecord<String, byte[]>> records)
      throws Exception {
    Map<String, List<String>> out = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      List<String> spans = out.computeIfAbsent(r.key(), k -> new java.util.ArrayList<>());
      TracesData data = TracesData.parseFrom(r.value());
      data.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss ->
          ss.getSpansList().forEach(s -> {
            assertThat(HexFormat.of().formatHex(s.getTraceId().toByteArray())).isEqualTo(r.key());
            spans.add(HexFormat.of().formatHex(s.getSpanId().toByteArray()));
          })));
    }
    return out;
  }

  static void assertExactlyTheKeptTraces(List<GeneratedTraces.Trace> traces,
      Map<String, List<String>> kept) {
    Set<String> expected = traces.stream().filter(GeneratedTraces.Trace::expectedKept)
        .map(GeneratedTraces.Trace::id).collect(Collectors.toSet());
    assertThat(kept.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    for (GeneratedTraces.Trace t : traces) {
      if (t.expectedKept()) {
        assertThat(kept.get(t.id())).as("spans of kept trace %s (%s)", t.id(), t.kind())
            .doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(t.spanIds());
      }
    }
  }

  static Map<String, Integer> decisionsPerTrace(List<ConsumerRecord<String, byte[]>> records) {
    Map<String, Integer> counts = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      TraceDecision d = TraceDecisionCodec.decode(r.value());
      assertThat(d.getTraceId()).isEqualTo(r.key());
      counts.merge(r.key(), 1, Integer::sum);
    }
    return counts;
  }

  static long spanCount(byte[] record) {
    try {
      return TracesData.parseFrom(record).getResourceSpansList().stream()
          .flatMap(rs -> rs.getScopeSpansList().stream()).mapToLong(ss -> ss.getSpansCount()).sum();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void keepsExactlyTheTracesTheRulesKeepWithEverySpan() throws Exception {
    TailstreamConfig config = config("keep", dir.resolve("state"));
    GeneratedTraces generator = new GeneratedTraces(11);
    List<GeneratedTraces.Trace> traces = generator.traces(3_000);
    List<byte[]> records = generator.records(traces, 40);
    produce(config, records);

    try (SamplerApp app = SamplerApp.start(config);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled())) {
      decisions.pollUntil(() -> decisions.records.size() >= traces.size(), Duration.ofSeconds(90));
      decisions.drain(Duration.ofSeconds(1));
      Map<String, Integer> perTrace = decisionsPerTrace(decisions.records);
      assertThat(perTrace).hasSize(traces.size());
      assertThat(perTrace.values()).containsOnly(1);

      long expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept).count();
      sampled.pollUntil(() -> sampled.records.stream().map(ConsumerRecord::key)
          .collect(Collectors.toSet()).size() >= expectedKept, Duration.ofSeconds(30));
      sampled.drain(Duration.ofSeconds(2));
      assertExactlyTheKeptTraces(traces, keptSpans(sampled.records));
      long spans = traces.stream().mapToLong(t -> t.spans().size()).sum();
      assertThat(app.metrics().registry().get("tailstream.spans.received").counter().count())
          .isEqualTo((double) spans);
      // Sanity of the mix: the 10% sample of normal traces kept roughly 10%.
      long normal = traces.stream().filter(t -> t.kind() == GeneratedTraces.Kind.NORMAL).count();
      long normalKept = traces.stream().filter(t -> t.kind() == GeneratedTraces.Kind.NORMAL
          && t.expectedKept()).count();
      assertThat((double) normalKept / normal).isBetween(0.07, 0.13);
    }
  }

  @Test
  void restartMidStreamLosesAndDuplicatesNothing() throws Exception {
    TailstreamConfig first = config("restart", dir.resolve("state-first"), "10s");
    GeneratedTraces generator = new GeneratedTraces(12);
    List<GeneratedTraces.Trace> traces = generator.traces(2_000);
    List<byte[]> records = generator.records(traces, 40);
    List<byte[]> firstHalf = records.subList(0, records.size() / 2);
    List<byte[]> secondHalf = records.subList(records.size() / 2, records.size());

    try (CommittedReader decisions = new CommittedReader(kafka, first.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, first.topics().sampled())) {
      try (SamplerApp app = SamplerApp.start(first)) {
        produce(first, firstHalf);
        long firstHalfSpans = firstHalf.stream().mapToLong(EndToEndSamplingTest::spanCount).sum();
        // Stop as soon as the first half is buffered: most traces are still waiting for spans
        // that are only in the second half.
        Pipelines.awaitCounter(app, "tailstream.spans.received", firstHalfSpans,
            Duration.ofSeconds(120));
      }
      // A new instance with an empty state directory must restore the buffers from the
      // changelogs and carry on.
      TailstreamConfig second =
          Pipelines.sameApp(kafka, first, dir.resolve("state-second"), Map.of());
      try (SamplerApp app = SamplerApp.start(second)) {
        produce(second, secondHalf);
        decisions.pollUntil(() -> decisions.records.size() >= traces.size(),
            Duration.ofSeconds(90));
        decisions.drain(Duration.ofSeconds(2));
        Map<String, Integer> perTrace = decisionsPerTrace(decisions.records);
        assertThat(perTrace.keySet()).containsExactlyInAnyOrderElementsOf(
            traces.stream().map(GeneratedTraces.Trace::id).collect(Collectors.toSet()));
        assertThat(perTrace.values()).containsOnly(1);

        long expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept).count();
        sampled.pollUntil(() -> new HashSet<>(sampled.records.stream().map(ConsumerRecord::key)
            .collect(Collectors.toSet())).size() >= expectedKept, Duration.ofSeconds(30));
        sampled.drain(Duration.ofSeconds(2));
        assertExactlyTheKeptTraces(traces, keptSpans(sampled.records));
        assertThat(app.metrics().registry().get("tailstream.records.received").counter().count())
            .isEqualTo((double) secondHalf.size());
      }
    }
  }
}
