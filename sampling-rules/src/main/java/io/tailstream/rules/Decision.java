package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of evaluating a {@link RuleSet} on a trace.
 *
 * @param outcome whether the trace is kept or dropped
 * @param rule the name of the rule that decided
 * @param sampleRate the probability with which the deciding rule keeps traces like this one: 1
 *     for {@code keep}, 0 for {@code drop}, P for {@code { sample: P }}, the probability applied
 *     to the trace's key for {@code adaptive}, and for {@code limit} the estimated share of the
 *     key's traffic that its bucket lets through
 * @param otThreshold the OpenTelemetry rejection threshold ({@code th}, lowercase hex) when a
 *     {@code sample} or {@code adaptive} action kept the trace; null otherwise
 */
public record Decision(Outcome outcome, String rule, double sampleRate, String otThreshold) {

  /** Whether a trace is kept or dropped. */
  public enum Outcome {
    KEEP,
    DROP
  }

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if {@code sampleRate} is not between 0 and 1, or a dropped
   *     decision has a threshold
   */
  public Decision {
    requireNonNull(outcome, "outcome");
    requireNonNull(rule, "rule");
    if (!(sampleRate >= 0.0 && sampleRate <= 1.0)) {
      throw new IllegalArgumentException(
          "sampleRate was " + sampleRate + " but it must be between 0 and 1");
    }
    if (otThreshold != null && outcome == Outcome.DROP) {
      throw new IllegalArgumentException("a dropped trace has no OpenTelemetry threshold");
    }
  }

  /** A decision to keep the trace, with sample rate 1. */
  public static Decision keep(String rule) {
    return new Decision(Outcome.KEEP, rule, 1.0, null);
  }

  /** A decision to drop the trace, with sample rate 0. */
  public static Decision drop(String rule) {
    return new Decision(Outcome.DROP, rule, 0.0, null);
  }

  /** A {@code sample} or {@code adaptive} action kept the trace. */
  static Decision sampledIn(String rule, double sampleRate, String otThreshold) {
    return new Decision(Outcome.KEEP, rule, sampleRate, requireNonNull(otThreshold));
  }

  /** A {@code sample} or {@code adaptive} action dropped the trace. */
  static Decision sampledOut(String rule, double sampleRate) {
    return new Decision(Outcome.DROP, rule, sampleRate, null);
  }

  /** A {@code limit} action kept the trace: it took a token, and records no threshold. */
  static Decision limitedIn(String rule, double sampleRate) {
    return new Decision(Outcome.KEEP, rule, sampleRate, null);
  }

  /** A {@code limit} action dropped the trace: its bucket was empty. */
  static Decision limitedOut(String rule, double sampleRate) {
    return new Decision(Outcome.DROP, rule, sampleRate, null);
  }

  /** Returns whether the trace is kept. */
  public boolean kept() {
    return outcome == Outcome.KEEP;
  }
}
