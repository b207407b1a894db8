package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConsistentSamplingTest {

  private static final BigInteger TWO_TO_56 = BigInteger.ONE.shiftLeft(56);

  @ParameterizedTest
  @CsvSource({"1, 1, 1", "0.5, 1, 2", "0.25, 1, 4", "0.1, 1, 10", "0.05, 1, 20"})
  void recordsTheOtelThresholdOfAKeptTrace(String probability, int numerator, int denominator) {
    RuleSet rules = sampling(probability);
    // The highest possible randomness, so every probability above 0 keeps the trace.
    TraceView trace = traceWithId("00000000000000000effffffffffffff");

    Decision decision = rules.evaluate(trace);

    assertThat(decision.kept()).isTrue();
    assertThat(decision.sampleRate()).isEqualTo(Double.parseDouble(probability));
    assertThat(decision.otThreshold()).isEqualTo(expectedThreshold(numerator, denominator));
  }

  @Test
  void encodesWellKnownThresholdsAsTheSpecificationDoes() {
    assertThat(expectedThreshold(1, 1)).isEqualTo("0");
    assertThat(expectedThreshold(1, 2)).isEqualTo("8");
    assertThat(expectedThreshold(1, 4)).isEqualTo("c");
    assertThat(expectedThreshold(1, 10)).isEqualTo("e6666666666666");
    assertThat(expectedThreshold(1, 20)).isEqualTo("f3333333333333");
  }

  @Test
  void keepsExactlyTheTracesWhoseRandomnessReachesTheThreshold() {
    RuleSet half = sampling("0.5");

    Decision below = half.evaluate(traceWithId("ffffffffffffffffff7fffffffffffff"));
    Decision atThreshold = half.evaluate(traceWithId("00000000000000000080000000000000"));

    assertThat(below).isEqualTo(new Decision(Decision.Outcome.DROP, "default", 0.5, null));
    assertThat(atThreshold).isEqualTo(new Decision(Decision.Outcome.KEEP, "default", 0.5, "8"));
  }

  @Test
  void givesTheSameTraceTheSameDecisionInEveryRuleSet() {
    RuleSet first = sampling("0.1");
    RuleSet second = sampling("0.1");
    RuleSet withOtherRules =
        RuleSetEvaluationTest.parse(
            "rules:\n"
                + "  - name: errors\n"
                + "    when: trace.error_count > 0\n"
                + "    action: keep\n"
                + "  - name: default\n"
                + "    action: { sample: 0.1 }\n");
    SplittableRandom random = new SplittableRandom(7);

    for (int i = 0; i < 1_000; i++) {
      TraceView trace = traceWithId(randomTraceId(random));
      Decision decision = first.evaluate(trace);

      assertThat(second.evaluate(trace)).isEqualTo(decision);
      assertThat(withOtherRules.evaluate(trace)).isEqualTo(decision);
      assertThat(first.evaluate(trace)).isEqualTo(decision);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.5", "0.25", "0.1", "0.05", "0.01"})
  void keepsTheConfiguredShareOfRandomTraces(String probability) {
    RuleSet rules = sampling(probability);
    SplittableRandom random = new SplittableRandom(probability.hashCode());
    int traces = 100_000;

    int kept = 0;
    for (int i = 0; i < traces; i++) {
      if (rules.evaluate(new IdOnlyTrace(randomTraceIdBytes(random))).kept()) {
        kept++;
      }
    }

    double p = Double.parseDouble(probability);
    double fiveSigmas = 5 * Math.sqrt(p * (1 - p) / traces);
    assertThat((double) kept / traces).isBetween(p - fiveSigmas, p + fiveSigmas);
  }

  @Test
  void neverKeepsWithProbabilityZero() {
    RuleSet rules = sampling("0");
    TraceView highestRandomness =
        TestTraces.trace()
            .span(span("a", "x").traceState("ot=rv:ffffffffffffff"))
            .view();

    assertThat(rules.evaluate(highestRandomness))
        .isEqualTo(new Decision(Decision.Outcome.DROP, "default", 0.0, null));
  }

  @Test
  void alwaysKeepsWithProbabilityOne() {
    RuleSet rules = sampling("1.0");
    TraceView lowestRandomness = traceWithId("ffffffffffffffffff00000000000000");

    assertThat(rules.evaluate(lowestRandomness))
        .isEqualTo(new Decision(Decision.Outcome.KEEP, "default", 1.0, "0"));
  }

  @Test
  void honoursAnExplicitRandomnessOnTheRoot() {
    RuleSet half = sampling("0.5");
    // The trace ID alone would be dropped (R = 0) ...
    String lowId = "ffffffffffffffffff00000000000000";
    // ... or kept (R = 2^56 - 1).
    String highId = "00000000000000000effffffffffffff";

    Decision keptByRv =
        half.evaluate(
            TestTraces.trace()
                .traceId(lowId)
                .span(span("a", "root").traceState("vendor=x,ot=th:0;rv:80000000000000"))
                .view());
    Decision droppedByRv =
        half.evaluate(
            TestTraces.trace()
                .traceId(highId)
                .span(span("a", "root").traceState("ot=rv:7fffffffffffff"))
                .view());

    assertThat(keptByRv.kept()).isTrue();
    assertThat(droppedByRv.kept()).isFalse();
  }

  @Test
  void prefersTheRootsRandomnessOverOtherSpans() {
    RuleSet half = sampling("0.5");
    TraceView trace =
        TestTraces.trace()
            .traceId("ffffffffffffffffff00000000000000")
            .span(span("a", "child").parent("0000000000000002").traceState("ot=rv:00000000000000"))
            .span(span("a", "root").parent("").traceState("ot=rv:ffffffffffffff"))
            .view();

    assertThat(half.evaluate(trace).kept()).isTrue();
  }

  @Test
  void usesAnySpansRandomnessWithoutRoot() {
    RuleSet half = sampling("0.5");
    TraceView trace =
        TestTraces.trace()
            .traceId("00000000000000000effffffffffffff")
            .withoutRoot()
            .span(span("a", "first"))
            .span(span("a", "second").traceState("ot=rv:00000000000001"))
            .view();

    assertThat(half.evaluate(trace).kept()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ot=rv:0000000000001", // 13 digits
        "ot=rv:000000000000001", // 15 digits
        "ot=rv:0000000000000G",
        "ot=rv:ABCDEF00000000",
        "other=rv:00000000000000",
        "ot=th:8"
      })
  void ignoresMalformedRandomness(String traceState) {
    RuleSet half = sampling("0.5");
    TraceView trace =
        TestTraces.trace()
            .traceId("00000000000000000effffffffffffff")
            .span(span("a", "root").traceState(traceState))
            .view();

    assertThat(half.evaluate(trace).kept()).isTrue();
  }

  /** T = round((1 - n/d) * 2^56) in integers, as 14 hex digits without trailing zeros. */
  private static String expectedThreshold(int numerator, int denominator) {
    BigInteger d = BigInteger.valueOf(denominator);
    BigInteger scaled = TWO_TO_56.multiply(d.subtract(BigInteger.valueOf(numerator)));
    BigInteger threshold = scaled.shiftLeft(1).add(d).divide(d.shiftLeft(1));
    if (threshold.signum() == 0) {
      return "0";
    }
    String hex = String.format("%14s", threshold.toString(16)).replace(' ', '0');
    return hex.replaceAll("0+$", "");
  }

  private static RuleSet sampling(String probability) {
    return RuleSetEvaluationTest.parse(
        "rules:\n  - name: default\n    action: { sample: " + probability + " }\n");
  }

  private static TraceView traceWithId(String traceId) {
    return TestTraces.trace().traceId(traceId).span(span("a", "x")).view();
  }

  private static String randomTraceId(SplittableRandom random) {
    return HexFormat.of().formatHex(randomTraceIdBytes(random));
  }

  private static byte[] randomTraceIdBytes(SplittableRandom random) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return id;
  }

  /** A trace that is only an ID, to sample many without building OTLP data. */
  private record IdOnlyTrace(byte[] traceId) implements TraceView {
    @Override
    public String traceIdHex() {
      return HexFormat.of().formatHex(traceId);
    }

    @Override
    public List<SpanView> spans() {
      return List.of();
    }

    @Override
    public Optional<SpanView> root() {
      return Optional.empty();
    }

    @Override
    public long startUnixNano() {
      return 0;
    }

    @Override
    public long durationNanos() {
      return 0;
    }

    @Override
    public int spanCount() {
      return 0;
    }

    @Override
    public int errorCount() {
      return 0;
    }

    @Override
    public int serviceCount() {
      return 0;
    }

    @Override
    public CompletionReason completion() {
      return CompletionReason.IDLE;
    }
  }
}
