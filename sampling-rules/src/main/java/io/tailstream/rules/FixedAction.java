package io.tailstream.rules;

/** The {@code keep} and {@code drop} actions. */
enum FixedAction implements RuleAction {
  KEEP,
  DROP;

  @Override
  public Decision decide(
      String rule, TraceView trace, TraceVariables variables, RuleListener events) {
    return this == KEEP ? Decision.keep(rule) : Decision.drop(rule);
  }
}
