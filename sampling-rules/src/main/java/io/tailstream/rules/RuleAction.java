package io.tailstream.rules;

/** What a matching rule does with a trace. */
sealed interface RuleAction permits FixedAction, SampleAction {

  /** Decides the trace that rule {@code rule} matched. */
  Decision decide(String rule, TraceView trace);
}
