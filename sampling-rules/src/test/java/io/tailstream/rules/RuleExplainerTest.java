package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;
import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.tailstream.rules.Explanation.Outcome;
import io.tailstream.rules.Explanation.RuleResult;
import io.tailstream.rules.Explanation.Term;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleExplainerTest {

  private static final String RULES =
      String.join(
          "\n",
          "rules:",
          "  - name: drop-health-checks",
          "    when: >-",
          "      \"http.route\" in root.attributes &&",
          "      root.attributes[\"http.route\"] in [\"/healthz\", \"/readyz\"]",
          "    action: drop",
          "  - name: errors",
          "    when: trace.error_count > 0",
          "    action: keep",
          "  - name: slow",
          "    when: trace.duration > duration(\"2s\") || root.attributes[\"slow\"] == true",
          "    action: keep",
          "  - name: default",
          "    action: { sample: 0.05 }",
          "");

  /** A checkout: 1.2 s, one error in payments, root route /checkout. */
  private static final TraceView CHECKOUT =
      TestTraces.trace()
          .span(
              span("frontend", "POST /checkout")
                  .kind(SpanKind.SPAN_KIND_SERVER)
                  .duration(ofMillis(1200))
                  .attribute("http.route", "/checkout"))
          .span(span("payments", "charge").duration(ofMillis(80)).error())
          .view();

  private static final TraceView QUIET =
      TestTraces.trace()
          .span(
              span("frontend", "GET /cart")
                  .kind(SpanKind.SPAN_KIND_SERVER)
                  .duration(ofMillis(40))
                  .attribute("http.route", "/cart"))
          .view();

  private static RuleSet rules(String yaml) {
    try {
      return RuleSet.parse(yaml, "rules.yaml");
    } catch (RuleValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  private static RuleSet rulesWithFirst(String when) {
    return rules(
        "rules:\n  - name: first\n    when: '"
            + when.replace("'", "''")
            + "'\n    action: keep\n  - name: default\n    action: drop\n");
  }

  private static RuleResult rule(Explanation explanation, String name) {
    return explanation.rules().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void recordsEachRulesOutcomeInOrderUpToTheDecidingRule() {
    Explanation explanation = RuleExplainer.explain(rules(RULES), CHECKOUT);

    assertThat(explanation.rules())
        .extracting(RuleResult::name, RuleResult::outcome)
        .containsExactly(
            tuple("drop-health-checks", Outcome.NOT_MATCHED),
            tuple("errors", Outcome.MATCHED),
            tuple("slow", Outcome.NOT_REACHED),
            tuple("default", Outcome.NOT_REACHED));
    assertThat(explanation.decidingRule()).isEqualTo("errors");
    assertThat(explanation.decision()).isEqualTo(Decision.keep("errors"));
    assertThat(explanation.traceId()).isEqualTo(TestTraces.TRACE_ID);
    assertThat(explanation.evaluatedRules())
        .extracting(RuleResult::name)
        .containsExactly("drop-health-checks", "errors");
  }

  @Test
  void splitsATopLevelAndChainAndShowsTheNonConstantOperands() {
    RuleResult health = rule(RuleExplainer.explain(rules(RULES), CHECKOUT), "drop-health-checks");

    assertThat(health.when())
        .isEqualTo(
            "\"http.route\" in root.attributes && root.attributes[\"http.route\"] in"
                + " [\"/healthz\", \"/readyz\"]");
    assertThat(health.terms())
        .containsExactly(
            new Term(
                "\"http.route\" in root.attributes",
                "true",
                List.of(new Term("root.attributes", "{\"http.route\": \"/checkout\"}", List.of()))),
            new Term(
                "root.attributes[\"http.route\"] in [\"/healthz\", \"/readyz\"]",
                "false",
                List.of(new Term("root.attributes[\"http.route\"]", "\"/checkout\"", List.of()))));
  }

  @Test
  void splitsATopLevelOrChainAndFormatsDurations() {
    RuleResult slow = rule(RuleExplainer.explain(rules(RULES), QUIET), "slow");

    assertThat(slow.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(slow.terms())
        .containsExactly(
            new Term(
                "trace.duration > duration(\"2s\")",
                "false",
                List.of(new Term("trace.duration", "40ms", List.of()))),
            new Term(
                "root.attributes[\"slow\"] == true",
                "error: key 'slow' is not present in map.",
                List.of(
                    new Term(
                        "root.attributes[\"slow\"]",
                        "error: key 'slow' is not present in map.",
                        List.of()))));
  }

  @Test
  void reportsAFailingWhenAsFailedWithItsMessage() {
    RuleSet rules = rules(RULES);

    RuleResult slow = rule(RuleExplainer.explain(rules, QUIET), "slow");

    assertThat(slow.failure()).isEqualTo("key 'slow' is not present in map.");
    // The explanation's decision is the rule set's own, which counts the failure once.
    assertThat(rules.evaluationFailures("slow")).isEqualTo(1);
  }

  @Test
  void explainsAWhenThatIsNoChainAsOneTerm() {
    RuleResult errors = rule(RuleExplainer.explain(rules(RULES), QUIET), "errors");

    assertThat(errors.outcome()).isEqualTo(Outcome.NOT_MATCHED);
    assertThat(errors.terms())
        .containsExactly(
            new Term(
                "trace.error_count > 0",
                "false",
                List.of(new Term("trace.error_count", "0", List.of()))));
  }

  @Test
  void givesTheCatchAllNoWhenAndNoTerms() {
    Explanation explanation = RuleExplainer.explain(rules(RULES), QUIET);
    RuleResult catchAll = rule(explanation, "default");

    assertThat(catchAll.isCatchAll()).isTrue();
    assertThat(catchAll.when()).isNull();
    assertThat(catchAll.outcome()).isEqualTo(Outcome.MATCHED);
    assertThat(catchAll.terms()).isEmpty();
    assertThat(explanation.decision().rule()).isEqualTo("default");
    assertThat(explanation.decision().sampleRate()).isEqualTo(0.05);
  }

  @Test
  void leavesRulesAfterTheDecidingOneUnevaluated() {
    RuleResult slow = rule(RuleExplainer.explain(rules(RULES), CHECKOUT), "slow");

    assertThat(slow.when()).startsWith("trace.duration");
    assertThat(slow.terms()).isEmpty();
    assertThat(slow.failure()).isNull();
  }

  @Test
  void writesMacrosAsWrittenRatherThanExpanded() {
    RuleResult first =
        rule(
            RuleExplainer.explain(
                rulesWithFirst(
                    "spans.exists(s, s.service == 'payments') && size(spans.filter(s,"
                        + " s.status == 'ERROR')) >= 2"),
                CHECKOUT),
            "first");

    assertThat(first.terms())
        .extracting(Term::expression, Term::value)
        .containsExactly(
            tuple("spans.exists(s, s.service == \"payments\")", "true"),
            tuple("size(spans.filter(s, s.status == \"ERROR\")) >= 2", "false"));
    assertThat(first.terms().get(1).operands())
        .containsExactly(new Term("size(spans.filter(s, s.status == \"ERROR\"))", "1", List.of()));
  }

  @Test
  void showsBothOperandsWhenNeitherIsConstant() {
    RuleResult first =
        rule(
            RuleExplainer.explain(rulesWithFirst("root.service != spans[1].service"), CHECKOUT),
            "first");

    assertThat(first.terms().get(0).operands())
        .containsExactly(
            new Term("root.service", "\"frontend\"", List.of()),
            new Term("spans[1].service", "\"payments\"", List.of()));
  }

  @Test
  void showsTheValueOfANonBooleanOperandOfAComparison() {
    RuleResult first =
        rule(
            RuleExplainer.explain(rulesWithFirst("spans.map(s, s.name) == ['x']"), CHECKOUT),
            "first");

    assertThat(first.terms().get(0).operands())
        .containsExactly(
            new Term("spans.map(s, s.name)", "[\"POST /checkout\", \"charge\"]", List.of()));
  }

  @Test
  void keepsStringsWithQuotesEvaluable() {
    TraceView trace =
        TestTraces.trace().span(span("frontend", "say \"hi\"").attribute("k", "v")).view();

    RuleResult first =
        rule(
            RuleExplainer.explain(rulesWithFirst("root.name == 'say \"hi\"' && true"), trace),
            "first");

    assertThat(first.outcome()).isEqualTo(Outcome.MATCHED);
    assertThat(first.terms().get(0))
        .isEqualTo(
            new Term(
                "root.name == \"say \\\"hi\\\"\"",
                "true",
                List.of(new Term("root.name", "\"say \\\"hi\\\"\"", List.of()))));
  }

  @Test
  void doesNotSplitNestedChainsOfTheOtherOperator() {
    RuleResult first =
        rule(
            RuleExplainer.explain(
                rulesWithFirst("trace.span_count > 1 && (root.service == 'a' || trace.has_root)"),
                CHECKOUT),
            "first");

    assertThat(first.terms())
        .extracting(Term::expression, Term::value)
        .containsExactly(
            tuple("trace.span_count > 1", "true"),
            tuple("root.service == \"a\" || trace.has_root", "true"));
  }

  @Test
  void namesTheMissingKeyOfAnEmptyMap() {
    TraceView bare = TestTraces.trace().span(span("frontend", "GET /")).view();

    RuleResult first =
        rule(
            RuleExplainer.explain(rulesWithFirst("root.attributes['http.route'] == '/'"), bare),
            "first");

    assertThat(first.failure()).isEqualTo("key 'http.route' is not present in map.");
    assertThat(first.terms().get(0).value())
        .isEqualTo("error: key 'http.route' is not present in map.");
  }
}
