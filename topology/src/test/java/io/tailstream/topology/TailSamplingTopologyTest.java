package io.tailstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.app.StreamsSettings;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.ingest.DeadLetterHeaders;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleSet;
import io.tailstream.serdes.avro.CompletionReason;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import io.tailstream.serdes.otlp.OtlpJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TailSamplingTopologyTest {
  static final String RULES = String.join("\n",
      "rules:",
      "  - name: drop-health-checks",
      "    when: '\"http.route\" in root.attributes && root.attributes[\"http.route\"] == \"/healthz\"'",
      "    action: drop",
      "  - name: errors",
      "    when: trace.error_count > 0",
      "    action: keep",
      "  - name: priority",
      "    when: spans.exists(s, \"sampling.priority\" in s.attributes"
          + " && s.attributes[\"sampling.priority\"] == 1)",
      "    action: keep",
      "  - name: default",
      "    action: { sample: 0.5 }",
      "");
  static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  @TempDir Path dir;

  TopologyTestDriver driver;
  TestInputTopic<byte[], byte[]> spans;
  TestOutputTopic<String, byte[]> sampled;
  TestOutputTopic<String, byte[]> decisions;
  TestOutputTopic<byte[], byte[]> deadLetters;
  SimpleMeterRegistry registry;

  void start(Map<String, String> overrides) throws Exception {
    Path rules = dir.resolve("rules.yaml");
    java.nio.file.Files.writeString(rules, RULES);
    Map<String, String> settings = new HashMap<>(Map.of(
        "decision.wait", "10s",
        "decision.root-grace", "2s",
        "decision.max-trace-age", "60s",
        "decision.late-span-window", "30m",
        "limits.max-spans-per-trace", "50",
        "rules.file", rules.toString(),
        "state.dir", dir.resolve("state").toString()));
    settings.putAll(overrides);
    TailstreamConfig config = ConfigLoader.fromMap(settings);
    registry = new SimpleMeterRegistry();
    Topology topology = new TailSamplingTopology(config,
        new ActiveRules(RuleSet.load(rules)), new SamplerMetrics(registry)).get();
    Properties props = StreamsSettings.of(config);
    driver = new TopologyTestDriver(topology, props, T0);
    spans = driver.createInputTopic(config.topics().spans(), new ByteArraySerializer(),
        new ByteArraySerializer(), T0, Duration.ZERO);
    sampled = driver.createOutputTopic(config.topics().sampled(), new StringDeserializer(),
        new ByteArrayDeserializer());
    decisions = driver.createOutputTopic(config.topics().decisions(), new StringDeserializer(),
        new ByteArrayDeserializer());
    deadLetters = driver.createOutputTopic(config.topics().deadLetter(),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  void start() throws Exception {
    start(Map.of());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  /** The driver's wall clock; records are stamped with it, as a producer keeping up would. */
  Instant now = T0;

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

  static List<Span> spansOf(byte[] tracesData) throws Exception {
    List<Span> out = new ArrayList<>();
    TracesData.parseFrom(tracesData).getResourceSpansList().forEach(rs ->
        rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList())));
    return out;
  }

  static String attribute(Span s, String key) {
    return s.getAttributesList().stream().filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse(null);
  }

  static final String ERROR_TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String HEALTH_TRACE = "1af7651916cd43dd8448eb211c80319c";

  @Test
  void decidesTraceWithoutRootWhenIdleForDecisionWait() throws Exception {
    start();
    send(TestTraces.trace(ERROR_TRACE).errorChild("cart", "GET /cart").build());
    advance(Duration.ofSeconds(9));
    assertThat(decisions.isEmpty()).isTrue();
    advance(Duration.ofSeconds(2));
    List<TraceDecision> d = decisions();
    assertThat(d).hasSize(1);
    assertThat(d.get(0).getTraceId()).isEqualTo(ERROR_TRACE);
    assertThat(d.get(0).getCompletionReason()).isEqualTo(CompletionReason.IDLE);
    assertThat(d.get(0).getRootService()).isEmpty();
  }

  /**
   * One punctuation decides at most 5,000 traces. The next one resumes the time-index scan where
   * the bounded one stopped, and traces filed meanwhile with other deadlines are still found.
   */
  @Test
  void aBoundedPunctuationLeavesTheRestForTheNextOne() throws Exception {
    start();
    int traces = 5_300;
    Set<String> sent = new HashSet<>();
    for (int i = 0; i < traces; i++) {
      String id = String.format("%032x", 0x5000_0000L + i);
      sent.add(id);
      // Two timestamps so that the index holds two deadlines, 1 ms apart.
      if (i == 2_600) {
        advance(Duration.ofMillis(1));
      }
      send(TestTraces.trace(id).root("shop", "GET /").build());
    }
    advance(Duration.ofSeconds(3)); // past root-grace: every trace is due in one punctuation
    List<TraceDecision> first = decisions();
    assertThat(first).hasSize(5_000);
    assertThat(registry.get("tailstream.traces.buffer_overflow_punctuations").counter().count())
        .isEqualTo(1.0);
    String late = String.format("%032x", 0x6000_0000L);
    send(TestTraces.trace(late).root("shop", "GET /late").build());
    advance(Duration.ofSeconds(3));
    List<TraceDecision> rest = decisions();
    Set<String> decided = new HashSet<>();
    for (TraceDecision d : first) {
      decided.add(d.getTraceId());
    }
    for (TraceDecision d : rest) {
      assertThat(decided.add(d.getTraceId())).as("decided once: %s", d.getTraceId()).isTrue();
    }
    sent.add(late);
    assertThat(decided).isEqualTo(sent);
  }

  /**
   * After a crash or an outage the input partitions catch up at different speeds, so the spans
   * of one trace can arrive further apart than decision.wait. Records read behind their producers
   * stretch the idle timer by that lag.
   */
  @Test
  void stretchesTheIdleTimerByTheLagOfTheInput() throws Exception {
    start();
    advance(Duration.ofSeconds(20));
    // Produced 5 s ago: the task reads 5 s behind, so another partition may be further back.
    spans.pipeInput(null, TestTraces.trace(ERROR_TRACE).errorChild("cart", "GET /cart").build(),
        now.minusSeconds(5));
    advance(Duration.ofSeconds(11));
    assertThat(decisions.isEmpty()).as("decided within decision.wait despite the lag").isTrue();
    advance(Duration.ofSeconds(5));
    assertThat(decisions()).extracting(TraceDecision::getTraceId).containsExactly(ERROR_TRACE);
    assertThat(registry.get("tailstream.input.lag").gauge().value()).isEqualTo(5.0);
  }

  @Test
  void ignoresALagLongerThanTheMaxTraceAgeAsAProducerClockBehind() throws Exception {
    start();
    advance(Duration.ofSeconds(20));
    spans.pipeInput(null, TestTraces.trace(ERROR_TRACE).errorChild("cart", "GET /cart").build(),
        now.minus(Duration.ofHours(3)));
    advance(Duration.ofSeconds(11));
    assertThat(decisions()).extracting(TraceDecision::getTraceId).containsExactly(ERROR_TRACE);
  }

  @Test
  void decidesTraceRootGraceAfterItsRootArrived() throws Exception {
    start();
    TestTraces.TraceBuilder trace = TestTraces.trace(ERROR_TRACE)
        .root("frontend", "GET /").errorChild("cart", "GET /cart");
    send(trace.span(1));
    advance(Duration.ofSeconds(3));
    send(trace.span(0)); // the root arrives last, as it ends last
    advance(Duration.ofMillis(1500));
    assertThat(decisions.isEmpty()).isTrue();
    advance(Duration.ofSeconds(1));
    TraceDecision d = decisions().get(0);
    assertThat(d.getCompletionReason()).isEqualTo(CompletionReason.ROOT);
    assertThat(d.getRootService()).isEqualTo("frontend");
    assertThat(d.getRootName()).isEqualTo("GET /");
    assertThat(d.getSpanCount()).isEqualTo(2);
    assertThat(spansOf(sampled.readValue())).hasSize(2);
  }

  @Test
  void decidesTraceThatKeepsGrowingAtMaxTraceAge() throws Exception {
    start();
    for (int i = 0; i < 14; i++) {
      send(TestTraces.trace(ERROR_TRACE).timedChild("worker", "step " + i, true, 1000L).build());
      advance(Duration.ofSeconds(5));
    }
    List<TraceDecision> d = decisions();
    assertThat(d).hasSize(1);
    assertThat(d.get(0).getCompletionReason()).isEqualTo(CompletionReason.MAX_AGE);
    assertThat(d.get(0).getSpanCount()).isEqualTo(12);
  }

  @Test
  void decidesTraceTheMomentItExceedsTheSpanLimit() throws Exception {
    start(Map.of("limits.max-spans-per-trace", "3"));
    TestTraces.TraceBuilder trace = TestTraces.trace(ERROR_TRACE).errorChild("a", "1")
        .child("a", "2").child("a", "3").child("a", "4").child("a", "5");
    send(trace.span(0));
    send(trace.span(1));
    send(trace.span(2));
    assertThat(decisions.isEmpty()).isTrue();
    send(trace.span(3));
    TraceDecision d = decisions().get(0);
    assertThat(d.getCompletionReason()).isEqualTo(CompletionReason.SPAN_LIMIT);
    assertThat(d.getSpanCount()).isEqualTo(4);
    assertThat(spansOf(sampled.readValue())).hasSize(4);
    send(trace.span(4)); // follows the decision as a late span
    assertThat(spansOf(sampled.readValue())).hasSize(1);
    assertThat(registry.get("tailstream.spans.late").tag("outcome", "kept").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("tailstream.traces.oversized").tag("limit", "spans").counter()
        .count()).isEqualTo(1.0);
  }

  @Test
  void keepsErrorTraceWithEverySpanMarkedWithTheRule() throws Exception {
    start();
    send(TestTraces.trace(ERROR_TRACE).root("frontend", "GET /").errorChild("cart", "GET /cart")
        .child("db", "SELECT").build());
    advance(Duration.ofSeconds(3));
    TestRecord<String, byte[]> kept = sampled.readRecord();
    assertThat(kept.key()).isEqualTo(ERROR_TRACE);
    List<Span> out = spansOf(kept.value());
    assertThat(out).hasSize(3);
    assertThat(out).allSatisfy(s -> assertThat(attribute(s, "sampling.rule")).isEqualTo("errors"));
    TraceDecision d = decisions().get(0);
    assertThat(d.getDecision()).isEqualTo(Decision.KEEP);
    assertThat(d.getRule()).isEqualTo("errors");
    assertThat(d.getSampleRate()).isEqualTo(1.0);
    assertThat(d.getErrorCount()).isEqualTo(1);
    assertThat(d.getSamplingThreshold()).isNull();
    assertThat(sampled.isEmpty()).isTrue();
  }

  @Test
  void dropsHealthCheckAndStillRecordsTheDecision() throws Exception {
    start();
    send(TestTraces.trace(HEALTH_TRACE).root("frontend", "GET /healthz", "http.route", "/healthz")
        .build());
    advance(Duration.ofSeconds(3));
    assertThat(sampled.isEmpty()).isTrue();
    TraceDecision d = decisions().get(0);
    assertThat(d.getDecision()).isEqualTo(Decision.DROP);
    assertThat(d.getRule()).isEqualTo("drop-health-checks");
    assertThat(d.getSampleRate()).isEqualTo(0.0);
  }

  @Test
  void keepsPriorityTrace() throws Exception {
    start();
    String id = TestTraces.traceIdWithRandomness(3, 0x00); // would lose the 50% sample
    send(TestTraces.trace(id).root("frontend", "GET /", "sampling.priority", 1L).build());
    advance(Duration.ofSeconds(3));
    assertThat(decisions().get(0).getRule()).isEqualTo("priority");
    assertThat(sampled.readKeyValue().key).isEqualTo(id);
  }

  @Test
  void samplesConsistentlyByTraceIdAndRecordsTheThreshold() throws Exception {
    start();
    String high = TestTraces.traceIdWithRandomness(1, 0xff);
    String low = TestTraces.traceIdWithRandomness(2, 0x01);
    send(TestTraces.trace(high).root("frontend", "GET /").build());
    send(TestTraces.trace(low).root("frontend", "GET /").build());
    advance(Duration.ofSeconds(3));
    Map<String, TraceDecision> byId = new HashMap<>();
    decisions().forEach(d -> byId.put(d.getTraceId(), d));
    assertThat(byId.get(high).getDecision()).isEqualTo(Decision.KEEP);
    assertThat(byId.get(high).getSampleRate()).isEqualTo(0.5);
    assertThat(byId.get(high).getSamplingThreshold()).isEqualTo("8");
    assertThat(byId.get(low).getDecision()).isEqualTo(Decision.DROP);
    TestRecord<String, byte[]> kept = sampled.readRecord();
    assertThat(kept.key()).isEqualTo(high);
    Span root = spansOf(kept.value()).get(0);
    assertThat(root.getTraceState()).isEqualTo("ot=th:8");
    assertThat(attribute(root, "sampling.rule")).isEqualTo("default");
    assertThat(sampled.isEmpty()).isTrue();
  }

  @Test
  void forwardsLateSpanOfKeptTrace() throws Exception {
    start();
    TestTraces.TraceBuilder trace = TestTraces.trace(ERROR_TRACE).root("frontend", "GET /")
        .errorChild("cart", "GET /cart").child("mail", "send");
    send(TestTraces.combine(trace.span(0), trace.span(1)));
    advance(Duration.ofSeconds(3));
    assertThat(spansOf(sampled.readValue())).hasSize(2);
    advance(Duration.ofMinutes(10));
    send(trace.span(2));
    TestRecord<String, byte[]> late = sampled.readRecord();
    assertThat(late.key()).isEqualTo(ERROR_TRACE);
    List<Span> lateSpans = spansOf(late.value());
    assertThat(lateSpans).extracting(Span::getName).containsExactly("send");
    assertThat(attribute(lateSpans.get(0), "sampling.rule")).isEqualTo("errors");
    assertThat(decisions()).hasSize(1); // the late span does not decide the trace again
  }

  @Test
  void dropsAndCountsLateSpanOfDroppedTrace() throws Exception {
    start();
    TestTraces.TraceBuilder trace = TestTraces.trace(HEALTH_TRACE)
        .root("frontend", "GET /healthz", "http.route", "/healthz").child("db", "SELECT 1");
    send(trace.span(0));
    advance(Duration.ofSeconds(3));
    send(trace.span(1));
    advance(Duration.ofSeconds(30));
    assertThat(sampled.isEmpty()).isTrue();
    assertThat(decisions()).hasSize(1);
    assertThat(registry.get("tailstream.spans.late").tag("outcome", "dropped").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void assemblesChildrenThatArriveBeforeTheirRoot() throws Exception {
    start();
    TestTraces.TraceBuilder trace = TestTraces.trace(ERROR_TRACE).root("frontend", "GET /")
        .child("cart", "GET /cart").errorChild("payment", "POST /charge").child("db", "INSERT");
    send(trace.span(3));
    advance(Duration.ofSeconds(1));
    send(trace.span(2));
    advance(Duration.ofSeconds(1));
    send(trace.span(1));
    advance(Duration.ofSeconds(1));
    assertThat(decisions.isEmpty()).isTrue();
    send(trace.span(0));
    advance(Duration.ofSeconds(3));
    List<Span> out = spansOf(sampled.readValue());
    assertThat(out).extracting(Span::getName)
        .containsExactlyInAnyOrder("GET /", "GET /cart", "POST /charge", "INSERT");
    assertThat(decisions().get(0).getCompletionReason()).isEqualTo(CompletionReason.ROOT);
  }

  @Test
  void assemblesOneTraceSpreadOverManyRecordsMixedWithOtherTraces() throws Exception {
    start();
    TestTraces.TraceBuilder trace = TestTraces.trace(ERROR_TRACE).root("frontend", "GET /");
    for (int i = 0; i < 20; i++) {
      trace.timedChild("svc" + (i % 4), "op" + i, i == 7, 1000L);
    }
    for (int i = 1; i <= 20; i++) {
      String other = TestTraces.traceIdWithRandomness(100 + i, 0x01);
      send(TestTraces.combine(trace.span(i),
          TestTraces.trace(other).root("frontend", "GET /other").build()));
      advance(Duration.ofMillis(100));
    }
    send(trace.span(0));
    advance(Duration.ofSeconds(3));
    List<TestRecord<String, byte[]>> kept = sampled.readRecordsToList();
    assertThat(kept).hasSize(1);
    assertThat(spansOf(kept.get(0).value())).hasSize(21);
    assertThat(decisions()).hasSize(21);
  }

  @Test
  void sendsUndecodableRecordsToTheDeadLetterTopicAndCarriesOn() throws Exception {
    start();
    byte[] garbage = "not protobuf at all".getBytes(StandardCharsets.UTF_8);
    byte[] good = TestTraces.trace(ERROR_TRACE).errorChild("cart", "GET /cart").build();
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5);
    spans.pipeInput("key-1".getBytes(StandardCharsets.UTF_8), garbage);
    spans.pipeInput(null, new byte[0]);
    spans.pipeInput(null, truncated);
    send(good);
    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(3);
    assertThat(dead.get(0).key()).isEqualTo("key-1".getBytes(StandardCharsets.UTF_8));
    assertThat(dead.get(0).value()).isEqualTo(garbage);
    assertThat(dead.get(2).value()).isEqualTo(truncated);
    Header exception = dead.get(0).headers().lastHeader(DeadLetterHeaders.EXCEPTION);
    assertThat(new String(exception.value(), StandardCharsets.UTF_8))
        .isEqualTo("io.tailstream.serdes.otlp.CorruptSpanDataException");
    assertThat(new String(dead.get(1).headers().lastHeader(DeadLetterHeaders.MESSAGE).value(),
        StandardCharsets.UTF_8)).isEqualTo("empty record");
    assertThat(new String(dead.get(0).headers().lastHeader(DeadLetterHeaders.TOPIC).value(),
        StandardCharsets.UTF_8)).isEqualTo("otlp_spans");
    assertThat(new String(dead.get(2).headers().lastHeader(DeadLetterHeaders.OFFSET).value(),
        StandardCharsets.UTF_8)).isEqualTo("2");
    advance(Duration.ofSeconds(11));
    assertThat(decisions()).hasSize(1);
    assertThat(registry.get("tailstream.records.dead_lettered").tag("reason", "corrupt")
        .counter().count()).isEqualTo(2.0);
    assertThat(registry.get("tailstream.records.dead_lettered").tag("reason", "empty")
        .counter().count()).isEqualTo(1.0);
  }

  @Test
  void decodesOtlpJsonInputWhenConfigured() throws Exception {
    start(Map.of("input.encoding", "otlp_json"));
    byte[] proto = TestTraces.trace(ERROR_TRACE).root("frontend", "GET /")
        .errorChild("cart", "GET /cart").build();
    String json = OtlpJson.toJson(TracesData.parseFrom(proto));
    send(json.getBytes(StandardCharsets.UTF_8));
    send(proto); // protobuf on a JSON topic is bad input
    advance(Duration.ofSeconds(3));
    assertThat(spansOf(sampled.readValue())).hasSize(2);
    assertThat(deadLetters.readRecordsToList()).hasSize(1);
  }

  @Test
  void skipsTheRepartitionWhenInputIsPartitionedByTraceId() throws Exception {
    start(Map.of("input.partitioned-by-trace-id", "true"));
    TailstreamConfig config = ConfigLoader.fromMap(Map.of("input.partitioned-by-trace-id", "true",
        "rules.file", dir.resolve("rules.yaml").toString()));
    String withoutRepartition = new TailSamplingTopology(config,
        new ActiveRules(RuleSet.load(dir.resolve("rules.yaml"))),
        new SamplerMetrics(new SimpleMeterRegistry())).get().describe().toString();
    String withRepartition = new TailSamplingTopology(ConfigLoader.fromMap(Map.of()),
        new ActiveRules(RuleSet.load(dir.resolve("rules.yaml"))),
        new SamplerMetrics(new SimpleMeterRegistry())).get().describe().toString();
    assertThat(withoutRepartition).doesNotContain("-repartition");
    assertThat(withRepartition).contains(TailSamplingTopology.REPARTITION + "-repartition");
    // And the pipeline still works end to end without it.
    send(TestTraces.trace(ERROR_TRACE).root("frontend", "GET /").errorChild("a", "b").build());
    advance(Duration.ofSeconds(3));
    assertThat(spansOf(sampled.readValue())).hasSize(2);
  }

  @Test
  void decisionRecordDescribesTheTrace() throws Exception {
    start();
    send(TestTraces.trace(ERROR_TRACE).root("frontend", "GET /").errorChild("cart", "GET /cart")
        .child("db", "SELECT").build());
    advance(Duration.ofSeconds(3));
    TestRecord<String, byte[]> record = decisions.readRecord();
    assertThat(record.key()).isEqualTo(ERROR_TRACE);
    TraceDecision d = TraceDecisionCodec.decode(record.value());
    assertThat(d.getSpanCount()).isEqualTo(3);
    assertThat(d.getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(d.getDurationNanos()).isEqualTo(10_000_000L);
    assertThat(d.getDecidedAt()).isEqualTo(T0.plusSeconds(3));
    assertThat(d.getRulesHash()).hasSize(16);
  }
}
