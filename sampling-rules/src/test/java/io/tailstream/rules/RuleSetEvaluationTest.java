package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;
import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RuleSetEvaluationTest {

  /** A checkout trace: a slow root with an error below it, spanning three services. */
  private static final TraceView CHECKOUT =
      TestTraces.trace()
          .span(
              span("frontend", "GET /checkout")
                  .kind(SpanKind.SPAN_KIND_SERVER)
                  .status(StatusCode.STATUS_CODE_OK)
                  .duration(ofMillis(2500))
                  .attribute("http.route", "/checkout")
                  .attribute("http.status_code", 500L)
                  .resourceAttribute("deployment.environment", "prod"))
          .span(
              span("checkout", "charge")
                  .kind(SpanKind.SPAN_KIND_CLIENT)
                  .start(ofMillis(100))
                  .duration(ofMillis(300))
                  .error()
                  .attribute("sampling.priority", 1L))
          .span(
              span("payments", "authorize")
                  .kind(SpanKind.SPAN_KIND_SERVER)
                  .start(ofMillis(150))
                  .duration(ofMillis(3000)))
          .view(CompletionReason.MAX_AGE);

  private static final TraceView HEALTH_CHECK =
      TestTraces.trace()
          .span(
              span("frontend", "GET /healthz")
                  .kind(SpanKind.SPAN_KIND_SERVER)
                  .duration(ofMillis(2))
                  .attribute("http.route", "/healthz"))
          .view();

  private static final TraceView WITHOUT_ROOT =
      TestTraces.trace()
          .withoutRoot()
          .span(span("checkout", "charge").attribute("k", "v"))
          .view();

  /** A rule set whose first rule, "match", keeps what {@code when} matches; the rest drops. */
  static RuleSet matching(String when) {
    String yaml =
        "rules:\n"
            + "  - name: match\n"
            + "    when: |-\n"
            + "      "
            + when
            + "\n"
            + "    action: keep\n"
            + "  - name: default\n"
            + "    action: drop\n";
    try {
      return RuleSet.parse(yaml, "test.yaml");
    } catch (RuleValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  static boolean matches(String when, TraceView trace) {
    return matching(when).evaluate(trace).rule().equals("match");
  }

  @Nested
  class TraceVariable {

    @Test
    void exposesTheTraceId() {
      assertThat(matches("trace.id == '" + TestTraces.TRACE_ID + "'", CHECKOUT)).isTrue();
      assertThat(matches("trace.id == '00000000000000000000000000000000'", CHECKOUT)).isFalse();
    }

    @Test
    void exposesTheDurationAsACelDuration() {
      assertThat(matches("trace.duration == duration('3150ms')", CHECKOUT)).isTrue();
      assertThat(matches("trace.duration > duration('2s')", CHECKOUT)).isTrue();
      assertThat(matches("trace.duration > duration('2s')", HEALTH_CHECK)).isFalse();
    }

    @Test
    void exposesCounts() {
      assertThat(matches("trace.span_count == 3", CHECKOUT)).isTrue();
      assertThat(matches("trace.error_count == 1", CHECKOUT)).isTrue();
      assertThat(matches("trace.service_count == 3", CHECKOUT)).isTrue();
      assertThat(matches("trace.error_count > 0", HEALTH_CHECK)).isFalse();
    }

    @Test
    void exposesHasRoot() {
      assertThat(matches("trace.has_root", CHECKOUT)).isTrue();
      assertThat(matches("trace.has_root", WITHOUT_ROOT)).isFalse();
    }

    @Test
    void exposesTheStartAsATimestamp() {
      assertThat(matches("trace.start == timestamp('2023-11-14T22:13:20Z')", CHECKOUT)).isTrue();
      assertThat(matches("trace.start.getFullYear() == 2023", CHECKOUT)).isTrue();
    }

    @Test
    void exposesTheCompletionReasonLabel() {
      assertThat(matches("trace.completion == 'max_age'", CHECKOUT)).isTrue();
      for (CompletionReason reason : CompletionReason.values()) {
        TraceView trace = TestTraces.trace().span(span("a", "x")).view(reason);
        assertThat(matches("trace.completion == '" + reason.label() + "'", trace))
            .as(reason.name())
            .isTrue();
      }
    }
  }

  @Nested
  class RootVariable {

    @Test
    void exposesEverySpanField() {
      assertThat(matches("root.service == 'frontend'", CHECKOUT)).isTrue();
      assertThat(matches("root.name == 'GET /checkout'", CHECKOUT)).isTrue();
      assertThat(matches("root.kind == 'SERVER'", CHECKOUT)).isTrue();
      assertThat(matches("root.status == 'OK'", CHECKOUT)).isTrue();
      assertThat(matches("root.duration == duration('2.5s')", CHECKOUT)).isTrue();
      assertThat(matches("root.attributes['http.route'] == '/checkout'", CHECKOUT)).isTrue();
      assertThat(matches("root.resource['deployment.environment'] == 'prod'", CHECKOUT))
          .isTrue();
      assertThat(matches("root.resource['service.name'] == 'frontend'", CHECKOUT)).isTrue();
    }

    @Test
    void matchesTheHealthCheckRuleFromTheDesign() {
      String when = "root.attributes[\"http.route\"] in [\"/healthz\", \"/readyz\"]";

      assertThat(matches(when, HEALTH_CHECK)).isTrue();
      assertThat(matches(when, CHECKOUT)).isFalse();
    }

    @Test
    void isEmptyWhenTheRootIsMissing() {
      assertThat(matches("root.service == ''", WITHOUT_ROOT)).isTrue();
      assertThat(matches("root.name == ''", WITHOUT_ROOT)).isTrue();
      assertThat(matches("root.kind == ''", WITHOUT_ROOT)).isTrue();
      assertThat(matches("root.status == ''", WITHOUT_ROOT)).isTrue();
      assertThat(matches("root.duration == duration('0s')", WITHOUT_ROOT)).isTrue();
      assertThat(matches("root.attributes.size() == 0", WITHOUT_ROOT)).isTrue();
      assertThat(matches("root.resource.size() == 0", WITHOUT_ROOT)).isTrue();
      assertThat(matches("!has(root.name)", WITHOUT_ROOT)).isTrue();
      assertThat(matches("has(root.name)", CHECKOUT)).isTrue();
    }

    @Test
    void isTheSameSpanAsInSpans() {
      assertThat(matches("root == spans[0]", CHECKOUT)).isTrue();
      assertThat(matches("root == spans[1]", CHECKOUT)).isFalse();
    }
  }

  @Nested
  class SpansVariable {

    @Test
    void supportsExists() {
      String when = "spans.exists(s, s.attributes[\"sampling.priority\"] == 1)";

      assertThat(matches(when, CHECKOUT)).isTrue();
      assertThat(matches(when, HEALTH_CHECK)).isFalse();
    }

    @Test
    void supportsAll() {
      assertThat(matches("spans.all(s, s.duration < duration('5s'))", CHECKOUT)).isTrue();
      assertThat(matches("spans.all(s, s.kind == 'SERVER')", CHECKOUT)).isFalse();
    }

    @Test
    void supportsFilter() {
      assertThat(matches("spans.filter(s, s.status == 'ERROR').size() == 1", CHECKOUT))
          .isTrue();
      assertThat(matches("spans.filter(s, s.kind == 'SERVER').size() == 2", CHECKOUT)).isTrue();
    }

    @Test
    void supportsMap() {
      assertThat(
              matches(
                  "spans.map(s, s.service) == ['frontend', 'checkout', 'payments']", CHECKOUT))
          .isTrue();
      assertThat(matches("'authorize' in spans.map(s, s.name)", CHECKOUT)).isTrue();
    }

    @Test
    void exposesEverySpanField() {
      assertThat(
              matches(
                  "spans[1].service == 'checkout' && spans[1].name == 'charge'"
                      + " && spans[1].kind == 'CLIENT' && spans[1].status == 'ERROR'"
                      + " && spans[1].duration == duration('300ms')"
                      + " && spans[1].attributes['sampling.priority'] == 1"
                      + " && spans[1].resource['service.name'] == 'checkout'",
                  CHECKOUT))
          .isTrue();
    }

    @Test
    void holdsEverySpanEvenWithoutRoot() {
      assertThat(matches("spans.size() == 1 && spans[0].name == 'charge'", WITHOUT_ROOT))
          .isTrue();
    }
  }

  @Nested
  class AttributeTypes {

    private final TraceView trace =
        TestTraces.trace()
            .span(
                span("a", "typed")
                    .attribute("string", "v")
                    .attribute("int", 1L)
                    .attribute("double", 0.5)
                    .attribute("bool", true)
                    .attribute("bytes", new byte[] {(byte) 0xca, (byte) 0xfe})
                    .attribute("array", List.of("x", "y"))
                    .attribute("kvlist", Map.of("nested", 42L)))
            .view();

    @Test
    void keepsStrings() {
      assertThat(matches("root.attributes['string'] == 'v'", trace)).isTrue();
      assertThat(matches("type(root.attributes['string']) == string", trace)).isTrue();
    }

    @Test
    void keepsInts() {
      assertThat(matches("root.attributes['int'] == 1", trace)).isTrue();
      assertThat(matches("type(root.attributes['int']) == int", trace)).isTrue();
    }

    @Test
    void keepsDoubles() {
      assertThat(matches("root.attributes['double'] == 0.5", trace)).isTrue();
      assertThat(matches("type(root.attributes['double']) == double", trace)).isTrue();
    }

    @Test
    void keepsBools() {
      assertThat(matches("root.attributes['bool'] == true", trace)).isTrue();
      assertThat(matches("type(root.attributes['bool']) == bool", trace)).isTrue();
    }

    @Test
    void keepsBytes() {
      assertThat(matches("root.attributes['bytes'] == b'\\xca\\xfe'", trace)).isTrue();
      assertThat(matches("type(root.attributes['bytes']) == bytes", trace)).isTrue();
    }

    @Test
    void turnsArraysIntoLists() {
      assertThat(matches("root.attributes['array'] == ['x', 'y']", trace)).isTrue();
      assertThat(matches("'y' in root.attributes['array']", trace)).isTrue();
    }

    @Test
    void turnsKeyValueListsIntoMaps() {
      assertThat(matches("root.attributes['kvlist']['nested'] == 42", trace)).isTrue();
      assertThat(matches("root.attributes.kvlist.nested == 42", trace)).isTrue();
    }

    @Test
    void testsPresenceOfAttributes() {
      assertThat(matches("has(root.attributes.string)", trace)).isTrue();
      assertThat(matches("'int' in root.attributes", trace)).isTrue();
      assertThat(matches("has(root.attributes.missing)", trace)).isFalse();
    }
  }

  @Nested
  class AttributeMaps {

    private final TraceView trace =
        TestTraces.trace()
            .span(
                span("a", "maps")
                    .attribute("empty", null)
                    .attribute("dup", null)
                    .attribute("dup", "first")
                    .attribute("dup", "second")
                    .attribute("int", 1L)
                    .attribute("bytes", new byte[] {1})
                    .attribute("kvlist", Map.of("nested", 42L)))
            .view();

    @Test
    void leaveOutEmptyValuesAndKeepTheFirstOfDuplicatedKeys() {
      assertThat(matches("root.attributes['dup'] == 'first'", trace)).isTrue();
      assertThat(matches("'empty' in root.attributes", trace)).isFalse();
      assertThat(matches("has(root.attributes.empty)", trace)).isFalse();
    }

    @Test
    void actAsWholeMaps() {
      assertThat(matches("size(root.attributes) == 4", trace)).isTrue();
      assertThat(matches("root.attributes.exists(k, k == 'dup')", trace)).isTrue();
      assertThat(matches("root.attributes.all(k, k != 'empty')", trace)).isTrue();
      assertThat(matches("type(root.attributes) == map", trace)).isTrue();
      assertThat(matches("root.attributes['kvlist'] == {'nested': 42}", trace)).isTrue();
      assertThat(matches("'nested' in root.attributes['kvlist']", trace)).isTrue();
    }

    @Test
    void compareIntsWithDoubles() {
      assertThat(matches("root.attributes['int'] == 1.0", trace)).isTrue();
      assertThat(matches("root.attributes['int'] < 1.5", trace)).isTrue();
    }

    @Test
    void readKeysBeforeAndAfterAWholeMapUse() {
      assertThat(
              matches(
                  "root.attributes['int'] == 1 && size(root.attributes) == 4"
                      + " && root.attributes['bytes'] == b'\\x01' && root.attributes['int'] == 1",
                  trace))
          .isTrue();
    }

    @Test
    void failOnAMissingKeyOfEverySpan() {
      RuleSet rules = matching("spans.exists(s, s.attributes['nope'] == 'x')");

      Decision decision = rules.evaluate(trace);

      assertThat(decision).isEqualTo(Decision.drop("default"));
      assertThat(rules.evaluationFailures("match")).isEqualTo(1);
    }
  }

  @Nested
  class RuntimeFailures {

    @Test
    void countAsNotMatchedAndAreCountedPerRule() {
      RuleSet rules = matching("root.attributes['nope'] == 'x'");

      Decision decision = rules.evaluate(CHECKOUT);
      rules.evaluate(CHECKOUT);

      assertThat(decision).isEqualTo(Decision.drop("default"));
      assertThat(rules.evaluationFailures("match")).isEqualTo(2);
      assertThat(rules.evaluationFailures("default")).isZero();
      assertThat(rules.evaluationFailures("not a rule")).isZero();
    }

    @Test
    void areReportedToListeners() {
      RuleSet rules = matching("root.attributes['nope'] == 'x'");
      List<String> failedRules = new ArrayList<>();
      List<Exception> failures = new ArrayList<>();
      rules.onEvaluationFailure(
          (rule, failure) -> {
            failedRules.add(rule);
            failures.add(failure);
          });

      rules.evaluate(CHECKOUT);

      assertThat(failedRules).containsExactly("match");
      assertThat(failures.get(0)).hasMessageContaining("nope");
    }

    @Test
    void doNotEscapeWhenAListenerThrows() {
      RuleSet rules = matching("root.attributes['nope'] == 'x'");
      rules.onEvaluationFailure(
          (rule, failure) -> {
            throw new IllegalStateException("listener bug");
          });

      assertThat(rules.evaluate(CHECKOUT)).isEqualTo(Decision.drop("default"));
      assertThat(rules.evaluationFailures("match")).isEqualTo(1);
    }

    @Test
    void includeDivisionByZeroAndBadIndexes() {
      RuleSet division = matching("1 / (trace.span_count - 3) == 1");
      RuleSet index = matching("spans[7].name == 'x'");

      assertThat(division.evaluate(CHECKOUT).rule()).isEqualTo("default");
      assertThat(index.evaluate(CHECKOUT).rule()).isEqualTo("default");
      assertThat(division.evaluationFailures("match")).isEqualTo(1);
      assertThat(index.evaluationFailures("match")).isEqualTo(1);
    }

    @Test
    void doNotCountSuccessfulEvaluations() {
      RuleSet rules = matching("trace.error_count > 0");

      rules.evaluate(CHECKOUT);
      rules.evaluate(HEALTH_CHECK);

      assertThat(rules.evaluationFailures("match")).isZero();
    }
  }

  @Nested
  class Order {

    private final RuleSet rules =
        parse(
            "rules:\n"
                + "  - name: drop-health-checks\n"
                + "    when: root.attributes[\"http.route\"] in [\"/healthz\", \"/readyz\"]\n"
                + "    action: drop\n"
                + "  - name: errors\n"
                + "    when: trace.error_count > 0\n"
                + "    action: keep\n"
                + "  - name: slow\n"
                + "    when: trace.duration > duration(\"2s\")\n"
                + "    action: keep\n"
                + "  - name: default\n"
                + "    action: drop\n");

    @Test
    void letsTheFirstMatchingRuleDecide() {
      assertThat(rules.evaluate(CHECKOUT)).isEqualTo(Decision.keep("errors"));
    }

    @Test
    void triesLaterRulesWhenEarlierOnesDoNotMatch() {
      TraceView slowOnly =
          TestTraces.trace().span(span("a", "x").duration(ofSeconds(3))).view();

      assertThat(rules.evaluate(slowOnly)).isEqualTo(Decision.keep("slow"));
    }

    @Test
    void fallsThroughToTheCatchAll() {
      TraceView boring = TestTraces.trace().span(span("a", "x")).view();

      assertThat(rules.evaluate(boring)).isEqualTo(Decision.drop("default"));
    }

    @Test
    void stopsAtAnEarlierMatchEvenIfLaterRulesMatchToo() {
      TraceView healthCheckWithError =
          TestTraces.trace()
              .span(span("frontend", "GET /healthz").attribute("http.route", "/healthz").error())
              .view();

      assertThat(rules.evaluate(healthCheckWithError))
          .isEqualTo(Decision.drop("drop-health-checks"));
    }

    @Test
    void listsRuleNamesInOrder() {
      assertThat(rules.ruleNames())
          .containsExactly("drop-health-checks", "errors", "slow", "default");
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
      ExecutorService executor = Executors.newFixedThreadPool(4);
      try {
        List<Future<Decision>> futures = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
          TraceView trace = i % 2 == 0 ? CHECKOUT : HEALTH_CHECK;
          futures.add(executor.submit(() -> rules.evaluate(trace)));
        }
        for (int i = 0; i < futures.size(); i++) {
          assertThat(futures.get(i).get())
              .isEqualTo(
                  i % 2 == 0 ? Decision.keep("errors") : Decision.drop("drop-health-checks"));
        }
      } finally {
        executor.shutdownNow();
      }
    }
  }

  @Nested
  class Actions {

    @Test
    void keepRecordsRateOne() {
      Decision decision = matching("true").evaluate(CHECKOUT);

      assertThat(decision).isEqualTo(new Decision(Decision.Outcome.KEEP, "match", 1.0, null));
      assertThat(decision.kept()).isTrue();
    }

    @Test
    void dropRecordsRateZero() {
      Decision decision = matching("false").evaluate(CHECKOUT);

      assertThat(decision).isEqualTo(new Decision(Decision.Outcome.DROP, "default", 0.0, null));
      assertThat(decision.kept()).isFalse();
    }

    @Test
    void sampleRecordsRateAndThreshold() {
      RuleSet rules = parse("rules:\n  - name: default\n    action: { sample: 1 }\n");

      assertThat(rules.evaluate(CHECKOUT))
          .isEqualTo(new Decision(Decision.Outcome.KEEP, "default", 1.0, "0"));
    }

    @Test
    void acceptsTheBlockStyleToo() {
      RuleSet rules = parse("rules:\n  - name: default\n    action:\n      sample: 0\n");

      assertThat(rules.evaluate(CHECKOUT))
          .isEqualTo(new Decision(Decision.Outcome.DROP, "default", 0.0, null));
    }
  }

  static RuleSet parse(String yaml) {
    try {
      return RuleSet.parse(yaml, "test.yaml");
    } catch (RuleValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
