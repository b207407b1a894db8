package io.tailstream.topology;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.app.StreamsSettings;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.RulesLoader;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleContext;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules as the topology uses them: swaps between decisions, the candidate dry run in the
 * decision record, per-rule metrics, and redaction of kept traces and their late spans.
 */
class RulesInTopologyTest {
  static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  static final String ERRORS_THEN_DROP = String.join("\n",
      "rules:",
      "  - name: errors",
      "    when: trace.error_count > 0",
      "    action: keep",
      "  - name: default",
      "    action: drop",
      "");
  static final String KEEP_CHECKOUT = String.join("\n",
      "rules:",
      "  - name: checkout",
      "    when: root.service == \"checkout\"",
      "    action: keep",
      "  - name: default",
      "    action: drop",
      "");
  static final String REDACTING = String.join("\n",
      "rules:",
      "  - name: everything",
      "    action: keep",
      "redact:",
      "  - name: emails",
      "    keys: [\"user.email\"]",
      "    action: hash",
      "  - name: headers",
      "    keys: [\"http.request.header.*\"]",
      "    action: remove",
      "");
  static final String TRACE_A = "0af7651916cd43dd8448eb211c80319c";
  static final String TRACE_B = "1af7651916cd43dd8448eb211c80319c";

  @TempDir Path dir;
  TopologyTestDriver driver;
  TestInputTopic<byte[], byte[]> spans;
  TestOutputTopic<String, byte[]> sampled;
  TestOutputTopic<String, byte[]> decisions;
  SimpleMeterRegistry registry;
  ActiveRules rules;
  RulesLoader loader;

  void start(String rulesYaml) throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), rulesYaml);
    TailstreamConfig config = ConfigLoader.fromMap(Map.of(
        "decision.wait", "10s",
        "decision.root-grace", "2s",
        "rules.file", file.toString(),
        "state.dir", dir.resolve("state").toString()));
    loader = new RulesLoader(RuleContext.standalone(), "test-secret", Clock.systemUTC());
    rules = new ActiveRules(loader.load(file));
    registry = new SimpleMeterRegistry();
    driver = new TopologyTestDriver(
        new TailSamplingTopology(config, rules, new SamplerMetrics(registry)).get(),
        StreamsSettings.of(config), T0);
    spans = driver.createInputTopic(config.topics().spans(), new ByteArraySerializer(),
        new ByteArraySerializer(), T0, Duration.ZERO);
    sampled = driver.createOutputTopic(config.topics().sampled(), new StringDeserializer(),
        new ByteArrayDeserializer());
    decisions = driver.createOutputTopic(config.topics().decisions(), new StringDeserializer(),
        new ByteArrayDeserializer());
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

  Path write(String name, String yaml) throws Exception {
    return Files.writeString(dir.resolve(name), yaml);
  }

  List<TraceDecision> decisions() {
    List<TraceDecision> out = new ArrayList<>();
    decisions.readValuesToList().forEach(v -> out.add(TraceDecisionCodec.decode(v)));
    return out;
  }

  double count(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aSwappedRuleSetDecidesTheNextTraceAndItsHashIsInTheRecord() throws Exception {
    start(ERRORS_THEN_DROP);
    String first = rules.active().hash();
    send(TestTraces.trace(TRACE_A).root("checkout", "POST /pay").build());
    advance(Duration.ofSeconds(3));

    rules.swap(loader.load(write("rules.yaml", KEEP_CHECKOUT)));
    send(TestTraces.trace(TRACE_B).root("checkout", "POST /pay").build());
    advance(Duration.ofSeconds(3));

    List<TraceDecision> d = decisions();
    assertThat(d).extracting(TraceDecision::getRule).containsExactly("default", "checkout");
    assertThat(d.get(0).getRulesHash()).isEqualTo(first);
    assertThat(d.get(1).getRulesHash()).isEqualTo(rules.active().hash()).isNotEqualTo(first);
    assertThat(sampled.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly(TRACE_B);
  }

  @Test
  void theCandidateIsRecordedAndCountedButNeverChangesTheOutput() throws Exception {
    start(ERRORS_THEN_DROP);
    rules.swapCandidate(loader.load(write("candidate.yaml", KEEP_CHECKOUT)));

    send(TestTraces.trace(TRACE_A).root("checkout", "POST /pay").build());
    send(TestTraces.trace(TRACE_B).root("cart", "GET /cart")
        .errorChild("db", "SELECT").build());
    advance(Duration.ofSeconds(3));

    Map<String, TraceDecision> byTrace = new java.util.HashMap<>();
    decisions().forEach(d -> byTrace.put(d.getTraceId(), d));
    assertThat(byTrace.get(TRACE_A).getDecision()).isEqualTo(Decision.DROP);
    assertThat(byTrace.get(TRACE_A).getCandidateDecision()).isEqualTo(Decision.KEEP);
    assertThat(byTrace.get(TRACE_A).getCandidateRule()).isEqualTo("checkout");
    assertThat(byTrace.get(TRACE_B).getDecision()).isEqualTo(Decision.KEEP);
    assertThat(byTrace.get(TRACE_B).getCandidateDecision()).isEqualTo(Decision.DROP);
    // Only the active rules decide what is written.
    assertThat(sampled.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly(TRACE_B);
    assertThat(count("tailstream.rules.candidate.decisions", "rule", "checkout",
        "decision", "keep")).isEqualTo(1);
    assertThat(count("tailstream.rules.candidate.decisions", "rule", "default",
        "decision", "drop")).isEqualTo(1);
    assertThat(rules.candidateDiff().orElseThrow().counts())
        .extracting(c -> c.pair().activeRule() + "/" + c.pair().candidateRule() + "=" + c.traces())
        .containsExactlyInAnyOrder("default/checkout=1", "errors/default=1");
  }

  @Test
  void countsMatchesDecisionsAndKeptSpansPerRule() throws Exception {
    start(ERRORS_THEN_DROP);
    send(TestTraces.trace(TRACE_A).root("checkout", "POST /pay").build());
    send(TestTraces.trace(TRACE_B).root("cart", "GET /cart")
        .errorChild("db", "SELECT").build());
    advance(Duration.ofSeconds(3));
    // A late span of the kept trace counts as kept by its rule too.
    send(TestTraces.trace(TRACE_B).child("db", "SELECT 2").build());

    assertThat(count("tailstream.rules.matched", "rule", "errors")).isEqualTo(1);
    assertThat(count("tailstream.rules.matched", "rule", "default")).isEqualTo(1);
    assertThat(count("tailstream.rules.decisions", "rule", "errors", "decision", "keep"))
        .isEqualTo(1);
    assertThat(count("tailstream.rules.decisions", "rule", "default", "decision", "drop"))
        .isEqualTo(1);
    assertThat(count("tailstream.rules.spans_kept", "rule", "errors")).isEqualTo(3);
    assertThat(count("tailstream.rules.spans_kept", "rule", "default")).isZero();
  }

  @Test
  void redactsKeptTracesAndTheirLateSpansBeforeTheyAreWritten() throws Exception {
    start(REDACTING);
    send(TestTraces.trace(TRACE_A)
        .root("checkout", "POST /pay", "user.email", "alice@example.com",
            "http.request.header.authorization", "Bearer s3cr3t", "http.route", "/pay")
        .build());
    advance(Duration.ofSeconds(3));
    send(TestTraces.trace(TRACE_A)
        .child("payments", "charge", "user.email", "alice@example.com").build());

    List<byte[]> written = new ArrayList<>(sampled.readValuesToList());
    written.addAll(decisions.readValuesToList());
    assertThat(written).hasSize(3);
    for (byte[] value : written) {
      String text = new String(value, UTF_8);
      assertThat(text).doesNotContain("alice@example.com").doesNotContain("s3cr3t");
    }
    List<Span> kept = new ArrayList<>();
    for (byte[] value : written.subList(0, 2)) {
      TracesData.parseFrom(value).getResourceSpansList().forEach(rs ->
          rs.getScopeSpansList().forEach(ss -> kept.addAll(ss.getSpansList())));
    }
    assertThat(kept).hasSize(2).allSatisfy(span -> {
      assertThat(value(span, "user.email")).startsWith("sha256:");
      assertThat(value(span, "http.request.header.authorization")).isNull();
    });
    assertThat(value(kept.get(0), "http.route")).isEqualTo("/pay");
    assertThat(value(kept.get(0), "user.email")).isEqualTo(value(kept.get(1), "user.email"));
    assertThat(count("tailstream.redactions", "entry", "emails")).isEqualTo(2);
    assertThat(count("tailstream.redactions", "entry", "headers")).isEqualTo(1);
  }

  static String value(Span span, String key) {
    return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse(null);
  }
}
