package io.tailstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.app.StreamsSettings;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.emit.SampledRecordSplitter;
import io.tailstream.ingest.DeadLetterHeaders;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleSet;
import io.tailstream.serdes.avro.CompletionReason;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Oversized traces, output records too large for the producer, clock skew and the late-span
 * horizon, end to end through the topology.
 */
class TraceLimitsTopologyTest {
  static final String TRACE = TailSamplingTopologyTest.ERROR_TRACE;
  static final long T0_NANOS = TimeUnit.MILLISECONDS.toNanos(
      TailSamplingTopologyTest.T0.toEpochMilli());
  static final long MS = 1_000_000L;

  @TempDir Path dir;

  TopologyTestDriver driver;
  TestInputTopic<byte[], byte[]> spans;
  TestOutputTopic<String, byte[]> sampled;
  TestOutputTopic<String, byte[]> decisions;
  TestOutputTopic<byte[], byte[]> deadLetters;
  SimpleMeterRegistry registry;

  void start(Map<String, String> overrides) throws Exception {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, TailSamplingTopologyTest.RULES);
    Map<String, String> settings = new HashMap<>(Map.of(
        "decision.wait", "10s",
        "decision.root-grace", "2s",
        "decision.max-trace-age", "60s",
        "decision.late-span-window", "30m",
        "limits.max-spans-per-trace", "1000",
        "rules.file", rules.toString(),
        "state.dir", dir.resolve("state").toString()));
    settings.putAll(overrides);
    TailstreamConfig config = ConfigLoader.fromMap(settings);
    registry = new SimpleMeterRegistry();
    driver = new TopologyTestDriver(new TailSamplingTopology(config,
        new ActiveRules(RuleSet.load(rules)), new SamplerMetrics(registry)).get(),
        StreamsSettings.of(config), TailSamplingTopologyTest.T0);
    spans = driver.createInputTopic(config.topics().spans(), new ByteArraySerializer(),
        new ByteArraySerializer(), TailSamplingTopologyTest.T0, Duration.ZERO);
    sampled = driver.createOutputTopic(config.topics().sampled(), new StringDeserializer(),
        new ByteArrayDeserializer());
    decisions = driver.createOutputTopic(config.topics().decisions(), new StringDeserializer(),
        new ByteArrayDeserializer());
    deadLetters = driver.createOutputTopic(config.topics().deadLetter(),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  /** The driver's wall clock; records are stamped with it, as a producer keeping up would. */
  Instant now = TailSamplingTopologyTest.T0;

  void send(byte[] value) {
    spans.pipeInput(null, value, now);
  }

  void advance(Duration d) {
    driver.advanceWallClockTime(d);
    now = now.plus(d);
  }

  List<TraceDecision> decisions() {
    List<TraceDecision> out = new ArrayList<>();
    for (byte[] v : decisions.readValuesToList()) {
      out.add(TraceDecisionCodec.decode(v));
    }
    return out;
  }

  double count(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  static String header(TestRecord<?, ?> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static String spanIdOf(Span s) {
    return HexFormat.of().formatHex(s.getSpanId().toByteArray());
  }

  static String padding(int chars) {
    return "x".repeat(chars);
  }

  @Test
  void decidesTraceTheMomentItExceedsMaxTraceBytesAndLaterSpansFollow() throws Exception {
    start(Map.of("limits.max-trace-bytes", "1KiB"));
    TestTraces.TraceBuilder trace = TestTraces.trace(TRACE).errorChild("cart", "GET /cart")
        .child("cart", "big 1", "pad", padding(400))
        .child("cart", "big 2", "pad", padding(400))
        .child("cart", "big 3", "pad", padding(400));
    send(trace.span(0));
    send(trace.span(1));
    assertThat(decisions.isEmpty()).isTrue();
    send(trace.span(2)); // over 1 KiB now
    TraceDecision d = decisions().get(0);
    assertThat(d.getCompletionReason()).isEqualTo(CompletionReason.SPAN_LIMIT);
    assertThat(d.getSpanCount()).isEqualTo(3);
    assertThat(d.getDecision()).isEqualTo(Decision.KEEP);
    assertThat(TailSamplingTopologyTest.spansOf(sampled.readValue())).hasSize(3);
    assertThat(count("tailstream.traces.oversized", "limit", "bytes")).isEqualTo(1.0);

    send(trace.span(3)); // follows the decision as a late span
    assertThat(TailSamplingTopologyTest.spansOf(sampled.readValue()))
        .extracting(Span::getName).containsExactly("big 3");
    assertThat(count("tailstream.spans.late", "outcome", "kept")).isEqualTo(1.0);
    advance(Duration.ofMinutes(1));
    assertThat(decisions.isEmpty()).isTrue();
  }

  @Test
  void writesAKeptTraceTooLargeForOneRecordInPartsHoldingEverySpanOnce() throws Exception {
    start(Map.of("kafka.properties.max.request.size", "4096"));
    int maxPart = 4096 - SampledRecordSplitter.RECORD_OVERHEAD_BYTES;
    TestTraces.TraceBuilder trace = TestTraces.trace(TRACE).root("frontend", "GET /")
        .errorChild("cart", "GET /cart");
    for (int i = 0; i < 40; i++) {
      trace.child("svc" + (i % 4), "op " + i, "pad", padding(200));
    }
    send(trace.build());
    advance(Duration.ofSeconds(3));

    List<TestRecord<String, byte[]>> records = sampled.readRecordsToList();
    assertThat(records.size()).isGreaterThan(2);
    List<String> spanIds = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      TestRecord<String, byte[]> r = records.get(i);
      assertThat(r.key()).isEqualTo(TRACE);
      assertThat(header(r, SampledRecordSplitter.PART_HEADER))
          .isEqualTo((i + 1) + "/" + records.size());
      assertThat(r.value().length).isLessThanOrEqualTo(maxPart);
      TracesData part = TracesData.parseFrom(r.value());
      for (ResourceSpans rs : part.getResourceSpansList()) {
        assertThat(rs.getResource().getAttributesList())
            .anySatisfy(kv -> assertThat(kv.getKey()).isEqualTo("service.name"));
      }
      for (Span s : TailSamplingTopologyTest.spansOf(r.value())) {
        assertThat(TailSamplingTopologyTest.attribute(s, "sampling.rule")).isEqualTo("errors");
        spanIds.add(spanIdOf(s));
      }
    }
    List<String> expected = new ArrayList<>();
    for (Span s : TailSamplingTopologyTest.spansOf(trace.build())) {
      expected.add(spanIdOf(s));
    }
    assertThat(spanIds).hasSize(42).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(decisions()).hasSize(1);
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(count("tailstream.traces.split")).isEqualTo(1.0);
    assertThat(count("tailstream.traces.split_records")).isEqualTo(records.size());
  }

  @Test
  void leavesARecordThatFitsWhole() throws Exception {
    start(Map.of("kafka.properties.producer.max.request.size", "4096"));
    send(TestTraces.trace(TRACE).root("frontend", "GET /").errorChild("cart", "GET /").build());
    advance(Duration.ofSeconds(3));
    TestRecord<String, byte[]> kept = sampled.readRecord();
    assertThat(header(kept, SampledRecordSplitter.PART_HEADER)).isNull();
    assertThat(TailSamplingTopologyTest.spansOf(kept.value())).hasSize(2);
    assertThat(sampled.isEmpty()).isTrue();
  }

  @Test
  void sendsASpanTooLargeForAnyRecordToTheDeadLetterTopic() throws Exception {
    start(Map.of("kafka.properties.max.request.size", "4096"));
    TestTraces.TraceBuilder trace = TestTraces.trace(TRACE).root("frontend", "GET /")
        .errorChild("cart", "GET /cart")
        .child("cart", "huge", "pad", padding(5000));
    send(trace.build());
    advance(Duration.ofSeconds(3));

    TestRecord<String, byte[]> part = sampled.readRecord();
    assertThat(header(part, SampledRecordSplitter.PART_HEADER)).isEqualTo("1/1");
    assertThat(TailSamplingTopologyTest.spansOf(part.value())).extracting(Span::getName)
        .containsExactly("GET /", "GET /cart");
    assertThat(sampled.isEmpty()).isTrue();

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(TRACE);
    assertThat(header(dead, DeadLetterHeaders.EXCEPTION))
        .isEqualTo("org.apache.kafka.common.errors.RecordTooLargeException");
    assertThat(header(dead, DeadLetterHeaders.TOPIC)).isEqualTo("sampled_traces");
    assertThat(header(dead, DeadLetterHeaders.OFFSET)).isEqualTo("-1");
    assertThat(header(dead, DeadLetterHeaders.MESSAGE))
        .startsWith("span 0000000000000003 of kept trace " + TRACE + " is ")
        .contains("more than the 3072 bytes one record of sampled_traces may hold"
            + " (max.request.size 4096 minus 1024)");
    TracesData summary = TracesData.parseFrom(dead.value());
    assertThat(summary.getResourceSpans(0).getResource().getAttributes(0).getValue()
        .getStringValue()).isEqualTo("cart");
    Span huge = TailSamplingTopologyTest.spansOf(dead.value()).get(0);
    assertThat(huge.getName()).isEqualTo("huge");
    assertThat(spanIdOf(huge)).isEqualTo("0000000000000003");
    assertThat(huge.getAttributesList()).isEmpty();
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(count("tailstream.spans.oversized")).isEqualTo(1.0);
    assertThat(decisions().get(0).getSpanCount()).isEqualTo(3);
  }

  @Test
  void clampsAndCountsSkewedTimestampsInTheDecisionRecord() throws Exception {
    start(Map.of());
    TestTraces.TraceBuilder trace = TestTraces.trace(TRACE).startingAt(T0_NANOS)
        .root("frontend", "GET /") // T0 to T0 + 10 ms
        .spanAt("cart", "ends before it starts", T0_NANOS + 5 * MS, T0_NANOS + 2 * MS)
        .spanAt("cart", "unset start", 0, T0_NANOS + 3 * MS)
        .spanAt("cart", "three hours ahead", T0_NANOS + TimeUnit.HOURS.toNanos(3),
            T0_NANOS + TimeUnit.HOURS.toNanos(3) + MS)
        .spanAt("db", "starts before its root", T0_NANOS - 4 * MS, T0_NANOS + MS);
    send(trace.build());
    advance(Duration.ofSeconds(3));

    TraceDecision d = decisions().get(0);
    assertThat(d.getSpanCount()).isEqualTo(5);
    assertThat(d.getStartTimeUnixNano()).isEqualTo(T0_NANOS - 4 * MS);
    assertThat(d.getDurationNanos()).isEqualTo(14 * MS);
    assertThat(count("tailstream.spans.clock_skew", "kind", "negative_duration"))
        .isEqualTo(1.0);
    assertThat(count("tailstream.spans.clock_skew", "kind", "zero_timestamp")).isEqualTo(1.0);
    assertThat(count("tailstream.spans.clock_skew", "kind", "outlier")).isEqualTo(1.0);
  }

  @Test
  void countsOldRootlessSpansAfterTheLateSpanWindowAsLateUnknown() throws Exception {
    start(Map.of("decision.late-span-window", "1m"));
    TestTraces.TraceBuilder trace = TestTraces.trace(TRACE).startingAt(T0_NANOS)
        .root("frontend", "GET /").errorChild("cart", "GET /cart").child("mail", "send");
    send(TestTraces.combine(trace.span(0), trace.span(1)));
    advance(Duration.ofSeconds(3));
    assertThat(decisions()).hasSize(1);

    advance(Duration.ofMinutes(2)); // the decision is forgotten
    send(trace.span(2)); // ended two minutes before it arrived, more than the window
    String recent = TestTraces.traceIdWithRandomness(9, 0xff);
    send(TestTraces.trace(recent).startingAt(T0_NANOS + TimeUnit.MINUTES.toNanos(2))
        .child("cart", "rootless but recent").build());
    advance(Duration.ofSeconds(11));

    List<TraceDecision> again = decisions();
    assertThat(again).extracting(TraceDecision::getTraceId).containsExactlyInAnyOrder(TRACE,
        recent);
    assertThat(again.get(0).getCompletionReason()).isEqualTo(CompletionReason.IDLE);
    assertThat(count("tailstream.spans.late", "outcome", "late_unknown")).isEqualTo(1.0);
  }
}
