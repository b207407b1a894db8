package io.tailstream.rules;

/** What a matching rule does with a trace. */
sealed interface RuleAction permits FixedAction, SampleAction, LimitAction, AdaptiveAction {

  /**
   * Decides a trace that a rule matched. Safe to call from several threads at once.
   *
   * @param rule the rule's name
   * @param trace the trace
   * @param variables the trace's CEL variables, already resolved by the rules' {@code when}s
   * @param events told when a {@code key} expression fails or a key overflows the bound
   */
  Decision decide(String rule, TraceView trace, TraceVariables variables, RuleListener events);
}
