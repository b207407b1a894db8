package io.tailstream.rules;

/**
 * Told what goes wrong while a {@link RuleSet} decides traces. Every method does nothing by
 * default, so a listener overrides only what it counts.
 *
 * <p>Methods are called on the evaluating thread, once per event. They must be quick and must not
 * throw; an exception is logged and ignored.
 */
public interface RuleListener {

  /**
   * A rule's {@code when} or {@code key} expression failed at run time, for example by reading a
   * missing map key. A failed {@code when} counts as not matched; a trace whose {@code key} failed
   * is decided with the rule's shared budget.
   *
   * @param rule the rule's name
   * @param failure why it failed
   */
  default void evaluationFailed(String rule, Exception failure) {}

  /**
   * A {@code limit} or {@code adaptive} rule already tracked {@link
   * RuleContext#maxKeysPerRule()} keys, so a trace with another key was decided with the budget
   * that all such traces of the rule share.
   *
   * @param rule the rule's name
   */
  default void keyOverflowed(String rule) {}
}
