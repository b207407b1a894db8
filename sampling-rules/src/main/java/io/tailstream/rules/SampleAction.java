package io.tailstream.rules;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The {@code { sample: P }} action: OpenTelemetry consistent probability sampling. A trace is
 * kept when its 56-bit randomness R is at least the rejection threshold T = round((1 - P) *
 * 2^56). R depends only on the trace, so every instance decides a trace the same way.
 *
 * @param probability P, between 0 and 1
 * @param threshold T, between 0 and 2^56
 * @param otThreshold T as the tracestate {@code th} value; null when P is 0, as then nothing is
 *     kept
 */
record SampleAction(double probability, long threshold, String otThreshold)
    implements RuleAction {

  /** 2^56: T for P = 0, above every possible R. */
  static final long NEVER = 1L << 56;

  private static final int THRESHOLD_HEX_DIGITS = 14;

  /**
   * Creates the action for a probability written in the rules file. The threshold is computed in
   * exact decimal arithmetic: in doubles, 1 - 0.1 already misses T by 2.
   */
  static SampleAction of(BigDecimal probability) {
    if (probability.signum() < 0 || probability.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException(
          "probability was " + probability + " but it must be between 0 and 1");
    }
    long threshold =
        BigDecimal.ONE
            .subtract(probability)
            .multiply(BigDecimal.valueOf(NEVER))
            .setScale(0, RoundingMode.HALF_UP)
            .longValueExact();
    return new SampleAction(
        probability.doubleValue(), threshold, threshold < NEVER ? encode(threshold) : null);
  }

  /** Formats T as 14 lowercase hex digits without trailing zeros, and "0" for T = 0. */
  static String encode(long threshold) {
    if (threshold == 0) {
      return "0";
    }
    String hex = String.format("%0" + THRESHOLD_HEX_DIGITS + "x", threshold);
    int end = hex.length();
    while (hex.charAt(end - 1) == '0') {
      end--;
    }
    return hex.substring(0, end);
  }

  @Override
  public Decision decide(
      String rule, TraceView trace, TraceVariables variables, RuleListener events) {
    if (threshold < NEVER && TraceRandomness.of(trace) >= threshold) {
      return Decision.sampledIn(rule, probability, otThreshold);
    }
    return Decision.sampledOut(rule, probability);
  }
}
