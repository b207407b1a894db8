package io.tailstream.rulestest;

import io.tailstream.rules.Decision;
import java.util.Locale;

/**
 * What a rule test case expects of the decision: the outcome, the deciding rule, or both.
 *
 * @param decision the expected outcome, or null for any
 * @param rule the expected deciding rule, or null for any
 */
public record Expectation(Decision.Outcome decision, String rule) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if both are null, as that expects nothing
   */
  public Expectation {
    if (decision == null && rule == null) {
      throw new IllegalArgumentException("an expectation needs a decision, a rule or both");
    }
  }

  /** Returns whether {@code actual} is what this expects. */
  public boolean isMetBy(Decision actual) {
    return (decision == null || decision == actual.outcome())
        && (rule == null || rule.equals(actual.rule()));
  }

  /** Returns {@code drop by rule 'x'}, {@code drop by any rule} or {@code keep or drop by ...}. */
  @Override
  public String toString() {
    String outcome = decision == null ? "keep or drop" : decision.name().toLowerCase(Locale.ROOT);
    return outcome + " by " + (rule == null ? "any rule" : "rule '" + rule + "'");
  }
}
