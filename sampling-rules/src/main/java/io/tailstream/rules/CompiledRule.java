package io.tailstream.rules;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/** A validated rule, ready to evaluate, with its runtime failure count. */
final class CompiledRule {

  private final String name;
  private final String whenSource;
  private final CompiledWhen when;
  private final RuleAction action;
  private final LongAdder failures = new LongAdder();
  private final AtomicBoolean failureLogged = new AtomicBoolean();
  private final LongAdder keyOverflows = new LongAdder();
  private final AtomicBoolean keyOverflowLogged = new AtomicBoolean();

  /**
   * Creates a rule.
   *
   * @param whenSource the {@code when} expression as written, or null for a catch-all rule
   * @param when the compiled {@code when}, or null for a catch-all rule
   */
  CompiledRule(String name, String whenSource, CompiledWhen when, RuleAction action) {
    this.name = name;
    this.whenSource = whenSource;
    this.when = when;
    this.action = action;
  }

  String name() {
    return name;
  }

  /** The {@code when} expression as written, or null for a catch-all rule. */
  String whenSource() {
    return whenSource;
  }

  /** The compiled {@code when}, or null for a catch-all rule. */
  CompiledWhen when() {
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

  long keyOverflows() {
    return keyOverflows.sum();
  }

  /** Counts a key beyond the bound; returns true for the first one, which is worth a WARN log. */
  boolean recordKeyOverflow() {
    keyOverflows.increment();
    return keyOverflowLogged.compareAndSet(false, true);
  }

  @Override
  public String toString() {
    return name;
  }
}
