package io.tailstream.rules;

/** Told when a rule's {@code when} fails at run time; the rule then counts as not matched. */
@FunctionalInterface
public interface RuleFailureListener {

  /**
   * Called on the evaluating thread, once per failure. It must be quick and must not throw.
   *
   * @param ruleName the rule whose {@code when} failed
   * @param failure why it failed, for example a missing map key
   */
  void onFailure(String ruleName, Exception failure);
}
