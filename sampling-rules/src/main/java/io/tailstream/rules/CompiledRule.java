package io.tailstream.rules;

import dev.cel.runtime.Program;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/** A validated rule, ready to evaluate, with its runtime failure count. */
final class CompiledRule {

  private final String name;
  private final Program when;
  private final RuleAction action;
  private final LongAdder failures = new LongAdder();
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  /**
   * Creates a rule.
   *
   * @param when the compiled {@code when}, or null for a catch-all rule
   */
  CompiledRule(String name, Program when, RuleAction action) {
    this.name = name;
    this.when = when;
    this.action = action;
  }

  String name() {
    return name;
  }

  /** The compiled {@code when}, or null for a catch-all rule. */
  Program when() {
    return when;
  }

  RuleAction action() {
    return action;
  }

  long failures() {
    return failures.sum();
  }

  /** Counts a failure; returns true for the first one, which is worth a WARN log. */
  boolean recordFailure() {
    failures.increment();
    return failureLogged.compareAndSet(false, true);
  }

  @Override
  public String toString() {
    return name;
  }
}
