package io.tailstream.rules;

import static io.tailstream.rules.SimulatedTraffic.kept;
import static io.tailstream.rules.SimulatedTraffic.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.rules.SimulatedTraffic.Sent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LimitActionTest {

  private static final String BY_SERVICE =
      """
      rules:
        - name: cap
          action:
            limit:
              per-second: %s
              key: root.service
      """;

  private final SimulatedTraffic traffic = new SimulatedTraffic();

  @Test
  void keepsTheConfiguredRateOfAFlood() {
    RuleSet rules = traffic.rules(oneBucket("50"));

    List<Map<String, Integer>> kept = traffic.seconds(rules, 20, Map.of("checkout", 1000));

    // The bucket starts full: the first second keeps its 50 tokens and the 50 refilled ones.
    assertThat(kept.get(0).get("checkout")).isBetween(99, 100);
    for (Map<String, Integer> second : kept.subList(1, kept.size())) {
      assertThat(second.get("checkout")).isBetween(49, 51);
    }
    assertThat(total(kept, "checkout")).isBetween(50 + 20 * 50 - 1, 50 + 20 * 50);
  }

  @Test
  void givesEachKeyItsOwnBucket() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("50"));

    List<Map<String, Integer>> kept =
        traffic.seconds(rules, 10, Map.of("checkout", 1000, "search", 200, "login", 20));

    for (Map<String, Integer> second : kept.subList(1, kept.size())) {
      assertThat(second.get("checkout")).isBetween(49, 51);
      assertThat(second.get("search")).isBetween(49, 51);
      assertThat(second.get("login")).isEqualTo(20);
    }
  }

  @Test
  void enforcesTheBudgetShareOfThisProcess() {
    RuleSet rules = traffic.rules(oneBucket("50"));
    traffic.budgetShare(0.5);

    List<Map<String, Integer>> halved = traffic.seconds(rules, 10, Map.of("checkout", 1000));
    traffic.budgetShare(1.0);
    List<Map<String, Integer>> whole = traffic.seconds(rules, 10, Map.of("checkout", 1000));

    for (Map<String, Integer> second : halved.subList(1, halved.size())) {
      assertThat(second.get("checkout")).isBetween(24, 26);
    }
    for (Map<String, Integer> second : whole) {
      assertThat(second.get("checkout")).isBetween(49, 51);
    }
  }

  @Test
  void keepsFractionalRates() {
    RuleSet rules = traffic.rules(oneBucket("0.5"));

    List<Map<String, Integer>> kept = traffic.seconds(rules, 20, Map.of("checkout", 10));

    // The one token it holds at the start, then one every two seconds.
    for (int i = 0; i < kept.size(); i++) {
      assertThat(kept.get(i).get("checkout")).as("second %d", i).isEqualTo(i % 2 == 0 ? 1 : 0);
    }
  }

  @Test
  void recordsTheShareOfTheKeysTrafficThatItKeeps() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("50"));

    List<Sent> first = traffic.second(rules, Map.of("checkout", 1000, "login", 20));
    List<Sent> later = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      later = traffic.second(rules, Map.of("checkout", 1000, "login", 20));
    }

    assertThat(first.get(0).decision())
        .isEqualTo(new Decision(Decision.Outcome.KEEP, "cap", 1.0, null));
    // Within the first second the rate is known from the arrivals so far.
    assertThat(last(first, "checkout").sampleRate()).isEqualTo(50.0 / 1000);
    assertThat(last(later, "checkout").sampleRate()).isEqualTo(50.0 / 1000);
    assertThat(last(later, "login").sampleRate()).isEqualTo(1.0);
    assertThat(later)
        .allSatisfy(sent -> assertThat(sent.decision().otThreshold()).isNull())
        .allSatisfy(sent -> assertThat(sent.decision().rule()).isEqualTo("cap"));
  }

  @Test
  void sendsKeysBeyondTheBoundToOneSharedBucket() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"), 2);
    List<String> overflowed = new ArrayList<>();
    rules.addListener(
        new RuleListener() {
          @Override
          public void keyOverflowed(String rule) {
            overflowed.add(rule);
          }
        });

    // a and b are seen first, so they get the two buckets; c and d share one.
    List<Map<String, Integer>> kept =
        traffic.seconds(rules, 5, Map.of("a", 100, "b", 100, "c", 100, "d", 100));

    for (Map<String, Integer> second : kept.subList(1, kept.size())) {
      assertThat(second.get("a")).isBetween(9, 11);
      assertThat(second.get("b")).isBetween(9, 11);
      assertThat(second.get("c") + second.get("d")).isBetween(9, 11);
    }
    assertThat(rules.keyOverflows("cap")).isEqualTo(5 * 200);
    assertThat(overflowed).hasSize(5 * 200).containsOnly("cap");
    assertThat(rules.evaluationFailures("cap")).isZero();
    assertThat(limitOf(rules).trackedKeys()).isEqualTo(2);
  }

  @Test
  void doesNotFailADecisionWhenAListenerThrows() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"), 1);
    rules.addListener(
        new RuleListener() {
          @Override
          public void keyOverflowed(String rule) {
            throw new IllegalStateException("listener bug");
          }
        });
    traffic.send(rules, "a");

    Decision decision = traffic.send(rules, "b").decision();

    assertThat(decision).isEqualTo(new Decision(Decision.Outcome.KEEP, "cap", 1.0, null));
    assertThat(rules.keyOverflows("cap")).isEqualTo(1);
  }

  @Test
  void evictsIdleKeysSoThatTheBoundIsOnActiveKeys() {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("10"), 1);
    traffic.send(rules, "a");
    traffic.send(rules, "b");
    assertThat(rules.keyOverflows("cap")).isEqualTo(1);

    traffic.advance(Duration.ofSeconds(61));
    traffic.send(rules, "b");
    traffic.send(rules, "b");

    assertThat(rules.keyOverflows("cap")).isEqualTo(1);
    assertThat(limitOf(rules).trackedKeys()).isEqualTo(1);
  }

  @Test
  void keepsAnIdleKeyUntilItsBucketIsFull() {
    // One token, refilled in 100 s.
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("0.01"), 1);
    assertThat(traffic.send(rules, "a").decision().kept()).isTrue();

    traffic.advance(Duration.ofSeconds(70));
    traffic.send(rules, "b");
    // a's bucket survived the sweep: it is still refilling, so a new one would have a token.
    assertThat(traffic.send(rules, "a").decision().kept()).isFalse();
    assertThat(rules.keyOverflows("cap")).isEqualTo(1);

    // At 131 s a's bucket is full (since 100 s) and a has been idle for 61 s: b takes its place.
    traffic.advance(Duration.ofSeconds(61));
    traffic.send(rules, "b");

    assertThat(rules.keyOverflows("cap")).isEqualTo(1);
    // Now a is the key beyond the bound, and shares the bucket b used at 70 s.
    assertThat(traffic.send(rules, "a").decision().kept()).isFalse();
    assertThat(rules.keyOverflows("cap")).isEqualTo(2);
  }

  @Test
  void decidesTracesWhoseKeyFailsWithTheSharedBucket() {
    RuleSet rules =
        traffic.rules(
            """
            rules:
              - name: cap
                action:
                  limit:
                    per-second: 1
                    key: string(root.attributes["tenant"])
            """);
    List<String> failedRules = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    rules.onEvaluationFailure(
        (rule, failure) -> {
          failedRules.add(rule);
          failures.add(failure);
        });

    Decision first = traffic.send(rules, "a").decision();
    Decision second = traffic.send(rules, "b").decision();

    assertThat(first.kept()).isTrue();
    assertThat(second.kept()).isFalse();
    assertThat(rules.evaluationFailures("cap")).isEqualTo(2);
    assertThat(rules.keyOverflows("cap")).isZero();
    assertThat(failedRules).containsExactly("cap", "cap");
    assertThat(failures.get(0)).hasMessageContaining("tenant");
  }

  @Test
  void takesEachTokenOnceUnderConcurrentUse() throws Exception {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("100"));
    List<TraceView> traces = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      traces.add(traffic.trace(i % 2 == 0 ? "a" : "b"));
    }

    List<Decision> decisions = evaluateConcurrently(rules, traces, 8);

    // The clock stands still, so each bucket has exactly its 100 tokens to give.
    assertThat(decisions).filteredOn(Decision::kept).hasSize(200);
  }

  @Test
  void keepsTheKeyBoundUnderConcurrentUse() throws Exception {
    RuleSet rules = traffic.rules(BY_SERVICE.formatted("100"), 10);
    List<TraceView> traces = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      traces.add(traffic.trace("service-" + i));
    }

    evaluateConcurrently(rules, traces, 8);

    assertThat(limitOf(rules).trackedKeys()).isEqualTo(10);
    assertThat(rules.keyOverflows("cap")).isEqualTo(4_000 - 10);
  }

  @Test
  void worksWhenTheNanoClockWrapsAround() {
    SimulatedTraffic wrapping =
        new SimulatedTraffic(Long.MAX_VALUE - Duration.ofSeconds(5).toNanos());
    RuleSet rules = wrapping.rules(BY_SERVICE.formatted("50"), 1);

    List<Map<String, Integer>> kept = wrapping.seconds(rules, 10, Map.of("checkout", 1000));
    wrapping.advance(Duration.ofSeconds(61));
    wrapping.send(rules, "search");

    for (Map<String, Integer> second : kept.subList(1, kept.size())) {
      assertThat(second.get("checkout")).isBetween(49, 51);
    }
    // The sweep ran across the wrap and evicted checkout, so search got its place.
    assertThat(rules.keyOverflows("cap")).isZero();
  }

  private static List<Decision> evaluateConcurrently(
      RuleSet rules, List<TraceView> traces, int threads) throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Decision>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        Callable<List<Decision>> task =
            () -> {
              start.await();
              List<Decision> decisions = new ArrayList<>();
              for (int i = first; i < traces.size(); i += threads) {
                decisions.add(rules.evaluate(traces.get(i)));
              }
              return decisions;
            };
        futures.add(executor.submit(task));
      }
      start.countDown();
      List<Decision> decisions = new ArrayList<>();
      for (Future<List<Decision>> future : futures) {
        decisions.addAll(future.get());
      }
      return decisions;
    } finally {
      executor.shutdownNow();
    }
  }

  private static LimitAction limitOf(RuleSet rules) {
    return (LimitAction) rules.compiledRules().get(0).action();
  }

  private static int total(List<Map<String, Integer>> kept, String service) {
    return kept.stream().mapToInt(second -> second.get(service)).sum();
  }

  private static String oneBucket(String perSecond) {
    return "rules:\n  - name: cap\n    action: { limit: { per-second: " + perSecond + " } }\n";
  }
}
