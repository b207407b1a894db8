package io.tailstream.rules;

/**
 * A {@link RuleListener} for run-time failures only, as a lambda. A failed {@code when} counts as
 * not matched.
 */
@FunctionalInterface
public interface RuleFailureListener extends RuleListener {

  /**
   * Called on the evaluating thread, once per failure. It must be quick and must not throw.
   *
   * @param ruleName the rule whose {@code when} or {@code key} failed
   * @param failure why it failed, for example a missing map key
   */
  void onFailure(String ruleName, Exception failure);

  @Override
  default void evaluationFailed(String rule, Exception failure) {
    onFailure(rule, failure);
  }
}
