package io.tailstream.rules;

import dev.cel.runtime.Program;

/**
 * The {@code { adaptive: { target-per-second: N, key: EXPR } }} action: each key is sampled with
 * probability p = min(1, N × budget share / its {@link KeyTraffic#perSecond() arrival rate}), so
 * rare keys are kept whole and frequent ones are sampled down to about N traces per second.
 *
 * <p>The sampling is consistent, like {@link SampleAction}: a trace is kept when its randomness is
 * at least the threshold T of p, and a kept trace records T. T is rounded to {@link
 * #THRESHOLD_PRECISION} significant hex digits, so that the {@code th} value stays short; the
 * decision's sample rate is the probability of the rounded T.
 */
final class AdaptiveAction implements RuleAction {

  /**
   * Significant hex digits of a threshold, not counting the leading 0s of a probability near 1 or
   * the leading fs of one near 0, as OpenTelemetry's {@code ProbabilityToThresholdWithPrecision}
   * counts them. Four digits keep p within 0.02% of its value.
   */
  static final int THRESHOLD_PRECISION = 4;

  private static final int THRESHOLD_HEX_DIGITS = 14;
  private static final int UNUSED_HIGH_BITS = Long.SIZE - 4 * THRESHOLD_HEX_DIGITS;

  private final double targetPerSecond;
  private final KeyedTraffic<KeyTraffic> traffic;

  /**
   * Creates the action.
   *
   * @param targetPerSecond N, the traces per second to keep of each key across all processes;
   *     positive
   * @param key the compiled {@code key} expression, or null for one rate for the rule
   * @param context the clock, budget share and key bound
   */
  AdaptiveAction(double targetPerSecond, Program key, RuleContext context) {
    this.targetPerSecond = targetPerSecond;
    this.traffic = new KeyedTraffic<>(key, context, KeyTraffic::new);
  }

  @Override
  public Decision decide(
      String rule, TraceView trace, TraceVariables variables, RuleListener events) {
    String key = traffic.keyOf(rule, variables, events);
    long now = traffic.now();
    double target = targetPerSecond * traffic.budgetShare();
    double rate;
    while (true) {
      KeyTraffic keyTraffic = traffic.trafficOf(key, now, rule, events);
      synchronized (keyTraffic) {
        if (keyTraffic.arrive(now)) {
          rate = keyTraffic.perSecond();
          break;
        }
      }
      // The key was evicted after we found it; the next lookup makes a fresh one.
    }
    long threshold = threshold(Math.min(1.0, target / rate));
    double sampleRate = (double) (SampleAction.NEVER - threshold) / SampleAction.NEVER;
    if (TraceRandomness.of(trace) >= threshold) {
      return Decision.sampledIn(rule, sampleRate, SampleAction.encode(threshold));
    }
    return Decision.sampledOut(rule, sampleRate);
  }

  /**
   * Returns the threshold T = (1 - p) × 2^56 for a probability, rounded to {@link
   * #THRESHOLD_PRECISION} significant hex digits. T is below 2^56 for every p above 0, so some
   * traces are always kept.
   *
   * @param probability p, in (0, 1]
   */
  // Visible for testing
  static long threshold(double probability) {
    long kept = Math.max(1L, Math.round(probability * SampleAction.NEVER));
    if (kept >= SampleAction.NEVER) {
      return 0L;
    }
    long threshold = SampleAction.NEVER - kept;
    int leadingZeros = (Long.numberOfLeadingZeros(threshold) - UNUSED_HIGH_BITS) / 4;
    // The leading fs of T are the leading zeros of 2^56 - 1 - T.
    int leadingFs = (Long.numberOfLeadingZeros(kept - 1) - UNUSED_HIGH_BITS) / 4;
    int precision = THRESHOLD_PRECISION + leadingZeros + leadingFs;
    if (precision >= THRESHOLD_HEX_DIGITS) {
      return threshold;
    }
    // The digit above the rounded ones is neither a leading 0 nor a leading f, so rounding up
    // can neither reach 2^56 nor round T down to 0.
    int shift = 4 * (THRESHOLD_HEX_DIGITS - precision);
    return ((threshold + (1L << (shift - 1))) >>> shift) << shift;
  }

  /** Returns how many keys have their own rate now. */
  // Visible for testing
  int trackedKeys() {
    return traffic.trackedKeys();
  }

  @Override
  public String toString() {
    return "adaptive " + targetPerSecond + "/s";
  }
}
