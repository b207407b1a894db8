package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.serdes.avro.CompletionReason;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces that never end, against the sampler as a separate JVM with a 256 MB heap: one trace of
 * 100,000 spans and one that keeps growing for longer than {@code decision.max-trace-age}. Both
 * are decided early ({@code span_limit}, {@code max_age}), their later spans follow the decision,
 * every span is written once, and the process never runs out of memory.
 */
class OversizedTracesTest {
  static final int HUGE_SPANS = 100_000;

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
  void hugeAndEndlessTracesAreDecidedEarlyWithinASmallHeap() throws Exception {
    TailstreamConfig config = Pipelines.config(kafka, dir, "oversized", dir.resolve("state"), "2s");
    int httpPort = SamplerProcess.freePort();
    Path configFile = CrashRecoveryTest.writeConfig(config, httpPort);
    Files.writeString(configFile, Files.readString(configFile)
        .replace("decision:\n", "decision:\n  max-trace-age: 8s\n"));
    Path log = Files.createDirectories(Path.of("target")).resolve("oversized-sampler.log");
    Files.deleteIfExists(log);
    Random random = new Random(51);
    String huge = "1a".repeat(16);
    String endless = "2b".repeat(16);
    Set<String> hugeSpans = new HashSet<>();
    Set<String> endlessSpans = new HashSet<>();

    try (SamplerProcess sampler = SamplerProcess.start(configFile, httpPort, log);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled())) {
      sampler.awaitReady(Duration.ofSeconds(90));
      // The huge trace: 100,000 error spans in records of 500, as fast as they can be sent.
      List<byte[]> records = new ArrayList<>();
      for (int r = 0; r < HUGE_SPANS / 500; r++) {
        List<Map.Entry<String, Span>> spans = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          spans.add(Map.entry("ingest", span(huge, random, hugeSpans)));
        }
        records.add(GeneratedTraces.request(spans));
      }
      Pipelines.produce(kafka, config, records);
      // The endless trace: a span every 500 ms for 14 s, longer than max-trace-age (8 s) but
      // never idle for decision.wait (2 s).
      for (int i = 0; i < 28; i++) {
        Pipelines.produce(kafka, config,
            List.of(GeneratedTraces.request(List.of(Map.entry("poller",
                span(endless, random, endlessSpans))))));
        Thread.sleep(500);
      }

      decisions.pollUntil(() -> decisions.keys().containsAll(Set.of(huge, endless)),
          Duration.ofSeconds(60));
      sampled.pollUntil(() -> {
        Map<String, List<String>> kept = keptSpanIds(sampled.records);
        return kept.getOrDefault(huge, List.of()).size() >= HUGE_SPANS
            && kept.getOrDefault(endless, List.of()).size() >= endlessSpans.size();
      }, Duration.ofSeconds(120));
      sampled.drain(Duration.ofSeconds(2));
      decisions.drain(Duration.ofSeconds(1));
      Duration stop = sampler.terminate(Duration.ofSeconds(45));
      assertThat(sampler.tail()).doesNotContain("OutOfMemoryError");
      System.out.println("OversizedTracesTest: stopped in " + stop.toMillis() + " ms");

      Map<String, TraceDecision> byTrace = new java.util.HashMap<>();
      for (ConsumerRecord<String, byte[]> r : decisions.records) {
        assertThat(byTrace.put(r.key(), TraceDecisionCodec.decode(r.value())))
            .as("second decision for %s", r.key()).isNull();
      }
      assertThat(byTrace.get(huge).getCompletionReason()).isEqualTo(CompletionReason.SPAN_LIMIT);
      assertThat(byTrace.get(huge).getSpanCount()).isLessThan(HUGE_SPANS);
      assertThat(byTrace.get(endless).getCompletionReason()).isEqualTo(CompletionReason.MAX_AGE);
      assertThat(byTrace.get(endless).getSpanCount()).isLessThan(endlessSpans.size());
      // Later spans followed the keep decision: every span written, none twice.
      Map<String, List<String>> kept = keptSpanIds(sampled.records);
      assertThat(kept.get(huge)).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(hugeSpans);
      assertThat(kept.get(endless)).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(endlessSpans);
    }
  }

  static Span span(String traceHex, Random random, Set<String> ids) {
    byte[] spanId = new byte[8];
    random.nextBytes(spanId);
    spanId[0] |= 1;
    ids.add(HexFormat.of().formatHex(spanId));
    long start = System.currentTimeMillis() * 1_000_000L;
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceHex)))
        .setSpanId(ByteString.copyFrom(spanId))
        .setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex("00000000000000ff")))
        .setName("work")
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 1_000_000L)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR))
        .addAttributes(KeyValue.newBuilder().setKey("item")
            .setValue(AnyValue.newBuilder().setIntValue(random.nextInt())))
        .build();
  }

  static Map<String, List<String>> keptSpanIds(List<ConsumerRecord<String, byte[]>> records) {
    try {
      return EndToEndSamplingTest.keptSpans(records);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
