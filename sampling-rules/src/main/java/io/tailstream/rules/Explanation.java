package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Why a {@link RuleSet} decided a trace the way it did: every rule in evaluation order with its
 * outcome and the values of its {@code when}'s sub-expressions, and the decision. Made by {@link
 * RuleExplainer#explain}.
 *
 * @param traceId the trace ID, 32 lowercase hex characters
 * @param rules every rule of the set, in evaluation order
 * @param decision the decision {@link RuleSet#evaluate} returned
 */
public record Explanation(String traceId, List<RuleResult> rules, Decision decision) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if no rule is named like the decision's rule
   */
  public Explanation {
    requireNonNull(traceId, "traceId");
    requireNonNull(decision, "decision");
    rules = List.copyOf(rules);
    if (rules.stream().noneMatch(rule -> rule.name().equals(decision.rule()))) {
      throw new IllegalArgumentException(
          "the deciding rule '" + decision.rule() + "' is not among the rules");
    }
  }

  /** Returns the name of the rule that decided. */
  public String decidingRule() {
    return decision.rule();
  }

  /** Returns the rules that were evaluated: those before the deciding rule, and that rule. */
  public List<RuleResult> evaluatedRules() {
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).name().equals(decision.rule())) {
        return rules.subList(0, i + 1);
      }
    }
    return rules;
  }

  /** What happened to a rule's {@code when} on the trace. */
  public enum Outcome {
    /** The {@code when} was true, or the rule is the catch-all; this rule decided. */
    MATCHED,
    /** The {@code when} was false. */
    NOT_MATCHED,
    /** The {@code when} failed at run time, which counts as not matched. */
    FAILED,
    /** An earlier rule decided, so this one was not evaluated. */
    NOT_REACHED
  }

  /**
   * One rule's part in the decision.
   *
   * @param name the rule name
   * @param when the {@code when} expression as written, or null for the catch-all rule
   * @param outcome what the {@code when} did
   * @param failure the runtime error's message when the outcome is {@link Outcome#FAILED}, null
   *     otherwise
   * @param terms the operands of the {@code when}'s top-level {@code &&} or {@code ||} chain, or
   *     the whole {@code when} when it is neither; empty for the catch-all and for rules not
   *     reached
   */
  public record RuleResult(
      String name, String when, Outcome outcome, String failure, List<Term> terms) {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code failure} is given exactly when the outcome is not
     *     {@link Outcome#FAILED}
     */
    public RuleResult {
      requireNonNull(name, "name");
      requireNonNull(outcome, "outcome");
      terms = List.copyOf(terms);
      if ((failure != null) != (outcome == Outcome.FAILED)) {
        throw new IllegalArgumentException("a failure message goes with the FAILED outcome only");
      }
    }

    /** Returns whether this is the catch-all rule, which has no {@code when}. */
    public boolean isCatchAll() {
      return when == null;
    }
  }

  /**
   * A sub-expression of a {@code when} and its value on the trace.
   *
   * @param expression the sub-expression, as CEL's unparser writes it
   * @param value the value, formatted for people: {@code true}, {@code 1.2s}, {@code "/checkout"},
   *     {@code [1, 2, 3]}, or {@code error: message} when evaluating it failed
   * @param operands for a comparison or {@code in}, the operands that are not constants, with their
   *     values; empty otherwise
   */
  public record Term(String expression, String value, List<Term> operands) {

    /** Validates the components. */
    public Term {
      requireNonNull(expression, "expression");
      requireNonNull(value, "value");
      operands = List.copyOf(operands);
    }
  }
}
