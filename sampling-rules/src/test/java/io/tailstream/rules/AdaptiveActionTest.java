package io.tailstream.rules;

import static io.tailstream.rules.SimulatedTraffic.kept;
import static io.tailstream.rules.SimulatedTraffic.last;
import static io.tailstream.rules.TestTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tailstream.rules.SimulatedTraffic.Sent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdaptiveActionTest {

  private static final long TWO_TO_56 = 1L << 56;
  private static final String BY_SERVICE =
      """
      rules:
        - name: adaptive
          action:
            adaptive:
              target-per-second: %s
              key: root.service
      """;

  private final SimulatedTraffic traffic = new SimulatedTraffic();

  @Test
  void keepsAboutTheTargetRateOfAFrequentKey() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));

    List<Sent> first = traffic.second(rules, Map.of("checkout", 1000));
    List<Sent> later = new ArrayList<>();
    for (int i = 1; i < 60; i++) {
      List<Sent> second = traffic.second(rules, Map.of("checkout", 1000));
      // The expected number kept, from the probabilities applied, is 10 to within their rounding.
      assertThat(expectedKept(second)).as("second %d", i).isCloseTo(10.0, within(0.01));
      later.addAll(second);
    }

    // A new key's burst is capped within its first second: p = 10 / (arrivals so far), which
    // sums to 10 + 10 (H(1000) - H(10)).
    assertThat(expectedKept(first)).isCloseTo(55.6, within(0.1));
    // Random trace IDs: 590 expected, with a standard deviation of 24.
    assertThat(kept(later, "checkout")).isBetween(590 - 120, 590 + 120);
  }

  @Test
  void keepsARareKeyWhole() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));
    List<Sent> sent = new ArrayList<>();

    for (int i = 0; i < 10; i++) {
      sent.addAll(traffic.second(rules, Map.of("checkout", 1000, "rare", 1)));
    }

    assertThat(sent)
        .filteredOn(trace -> trace.service().equals("rare"))
        .hasSize(10)
        .extracting(Sent::decision)
        .containsOnly(new Decision(Decision.Outcome.KEEP, "adaptive", 1.0, "0"));
    assertThat(kept(sent, "checkout")).isBetween(100, 200);
  }

  @Test
  void recordsAThresholdThatAgreesWithTheRateAndTheDecision() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));
    List<Sent> sent = new ArrayList<>();

    for (int i = 0; i < 10; i++) {
      sent.addAll(traffic.second(rules, Map.of("checkout", 1000, "search", 37, "rare", 1)));
    }

    assertThat(sent).filteredOn(trace -> trace.decision().kept()).hasSizeGreaterThan(100);
    for (Sent trace : sent) {
      Decision decision = trace.decision();
      long threshold = TWO_TO_56 - Math.round(decision.sampleRate() * TWO_TO_56);
      assertThat((double) (TWO_TO_56 - threshold) / TWO_TO_56).isEqualTo(decision.sampleRate());
      assertThat(decision.kept()).isEqualTo(TraceRandomness.of(trace.trace()) >= threshold);
      if (decision.kept()) {
        assertThat(decision.otThreshold()).isEqualTo(SampleAction.encode(threshold));
        assertThat(significantDigits(decision.otThreshold())).isLessThanOrEqualTo(4);
      } else {
        assertThat(decision.otThreshold()).isNull();
      }
    }
  }

  @Test
  void givesTheSameTraceTheSameDecisionAtTheSameProbability() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));
    for (int i = 0; i < 5; i++) {
      // Equal traffic, so both keys are sampled with the same probability.
      traffic.second(rules, Map.of("a", 500, "b", 500));
    }
    SplittableRandom random = new SplittableRandom(11);

    List<Decision> asA = new ArrayList<>();
    List<Decision> asB = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String traceId = randomTraceId(random);
      asA.add(rules.evaluate(trace(traceId, "a")));
      asB.add(rules.evaluate(trace(traceId, "b")));
    }

    assertThat(asA).isEqualTo(asB);
    assertThat(asA).filteredOn(Decision::kept).isNotEmpty();
    assertThat(asA).filteredOn(decision -> !decision.kept()).isNotEmpty();
  }

  @Test
  void reactsToATrafficChangeWithinAFewIntervals() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));
    List<Sent> steady = List.of();
    for (int i = 0; i < 10; i++) {
      steady = traffic.second(rules, Map.of("checkout", 100));
    }

    List<Sent> burst = traffic.second(rules, Map.of("checkout", 1000));
    List<Double> afterBurst = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      afterBurst.add(last(traffic.second(rules, Map.of("checkout", 100)), "checkout").sampleRate());
    }

    assertThat(last(steady, "checkout").sampleRate()).isCloseTo(0.1, within(0.0001));
    // Capped within the second of the burst, by the arrivals so far: 10 + 10 (H(1000) - H(100)).
    assertThat(last(burst, "checkout").sampleRate()).isCloseTo(0.01, within(0.00001));
    assertThat(expectedKept(burst)).isCloseTo(33.0, within(0.1));
    // The average forgets the burst by half each second: 550, 325, 212, 156, 128, ...
    assertThat(afterBurst.get(0)).isCloseTo(10.0 / 550, within(0.0001));
    assertThat(afterBurst.get(4)).isCloseTo(10.0 / 128, within(0.0001));
    assertThat(afterBurst.get(7)).isGreaterThan(0.095);
    assertThat(afterBurst).isSorted();
  }

  @Test
  void enforcesTheBudgetShareOfThisProcess() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));
    traffic.budgetShare(0.5);
    List<Sent> halved = List.of();
    for (int i = 0; i < 5; i++) {
      halved = traffic.second(rules, Map.of("checkout", 1000));
    }

    traffic.budgetShare(1.0);
    List<Sent> whole = traffic.second(rules, Map.of("checkout", 1000));

    assertThat(last(halved, "checkout").sampleRate()).isCloseTo(0.005, within(0.000001));
    assertThat(expectedKept(halved)).isCloseTo(5.0, within(0.01));
    assertThat(last(whole, "checkout").sampleRate()).isCloseTo(0.01, within(0.00001));
  }

  @Test
  void forgetsTheRateOfAKeyThatWentQuiet() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"));
    for (int i = 0; i < 5; i++) {
      traffic.second(rules, Map.of("checkout", 1000));
    }

    traffic.advance(Duration.ofSeconds(10));
    Decision decision = traffic.send(rules, "checkout").decision();

    assertThat(decision).isEqualTo(new Decision(Decision.Outcome.KEEP, "adaptive", 1.0, "0"));
  }

  @Test
  void boundsAndEvictsKeysAsLimitDoes() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"), 1);
    List<String> overflowed = new ArrayList<>();
    rules.addListener(
        new RuleListener() {
          @Override
          public void keyOverflowed(String rule) {
            overflowed.add(rule);
          }
        });
    traffic.send(rules, "a");
    traffic.send(rules, "b");

    traffic.advance(Duration.ofSeconds(61));
    traffic.send(rules, "b");
    traffic.send(rules, "c");

    assertThat(rules.keyOverflows("adaptive")).isEqualTo(2);
    assertThat(overflowed).containsExactly("adaptive", "adaptive");
    assertThat(((AdaptiveAction) rules.compiledRules().get(0).action()).trackedKeys()).isOne();
  }

  @Test
  void roundsThresholdsToFourSignificantHexDigits() {
    assertThat(SampleAction.encode(AdaptiveAction.threshold(1.0))).isEqualTo("0");
    assertThat(SampleAction.encode(AdaptiveAction.threshold(0.5))).isEqualTo("8");
    assertThat(SampleAction.encode(AdaptiveAction.threshold(0.1))).isEqualTo("e666");
    // Leading fs of a small probability and leading 0s of a large one do not count.
    assertThat(SampleAction.encode(AdaptiveAction.threshold(0.01))).isEqualTo("fd70a");
    assertThat(SampleAction.encode(AdaptiveAction.threshold(0.999))).isEqualTo("004189");
  }

  @Test
  void keepsEveryProbabilityWithinItsRounding() {
    long previous = TWO_TO_56;
    for (double p = 1e-15; p <= 1.0; p *= 1.01) {
      long threshold = AdaptiveAction.threshold(p);
      double applied = (double) (TWO_TO_56 - threshold) / TWO_TO_56;

      assertThat(threshold)
          .as("p = %s", p)
          .isBetween(0L, TWO_TO_56 - 1)
          .isLessThanOrEqualTo(previous);
      // The rounding, and below 2^-40 also the resolution of 56 bits.
      assertThat(applied).as("p = %s", p).isCloseTo(p, within(p / 8192 + 1.0 / TWO_TO_56));
      assertThat(significantDigits(SampleAction.encode(threshold))).isLessThanOrEqualTo(4);
      previous = threshold;
    }
    assertThat(AdaptiveAction.threshold(Double.MIN_VALUE)).isEqualTo(TWO_TO_56 - 1);
  }

  /** Sums the probabilities applied: the number of traces expected to be kept. */
  private static double expectedKept(List<Sent> sent) {
    return sent.stream().mapToDouble(trace -> trace.decision().sampleRate()).sum();
  }

  /** The hex digits of a threshold after its leading fs, or its leading 0s. */
  private static int significantDigits(String threshold) {
    return threshold.replaceFirst(threshold.startsWith("f") ? "^f+" : "^0+", "").length();
  }

  private static TraceView trace(String traceId, String service) {
    return TestTraces.trace().traceId(traceId).span(span(service, "GET /")).view();
  }

  private static String randomTraceId(SplittableRandom random) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }
}
