package io.tailstream.rulestest;

import static java.util.Objects.requireNonNull;

/**
 * One rule test: a trace and the decision the rules should make on it.
 *
 * @param name the case name, unique in its file
 * @param location where the case starts, as {@code file:line:col}
 * @param trace the trace
 * @param expectation the expected decision
 */
public record RuleCase(String name, String location, TraceFixture trace, Expectation expectation) {

  /** Validates the components. */
  public RuleCase {
    requireNonNull(name, "name");
    requireNonNull(location, "location");
    requireNonNull(trace, "trace");
    requireNonNull(expectation, "expectation");
  }
}
