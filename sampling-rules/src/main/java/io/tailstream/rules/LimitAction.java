package io.tailstream.rules;

import dev.cel.runtime.Program;

/**
 * The {@code { limit: { per-second: N, key: EXPR } }} action: a token bucket per key. Each bucket
 * refills at N times the {@link RuleContext#budgetShare() budget share} tokens per second and holds
 * at most one second of them, but at least one token. A trace is kept when it takes a token.
 *
 * <p>A rate limit is not consistent probability sampling, so a decision carries no OpenTelemetry
 * threshold. Its sample rate is the estimated share of the key's traffic that the bucket lets
 * through: the allowed rate divided by the key's {@link KeyTraffic#perSecond() arrival rate}, or 1
 * when the key arrives no faster than allowed.
 */
final class LimitAction implements RuleAction {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final double perSecond;
  private final KeyedTraffic<Bucket> buckets;

  /**
   * Creates the action.
   *
   * @param perSecond N, the traces per second kept of each key across all processes; positive
   * @param key the compiled {@code key} expression, or null for one bucket for the rule
   * @param context the clock, budget share and key bound
   */
  LimitAction(double perSecond, Program key, RuleContext context) {
    this.perSecond = perSecond;
    this.buckets = new KeyedTraffic<>(key, context, Bucket::new);
  }

  @Override
  public Decision decide(
      String rule, TraceView trace, TraceVariables variables, RuleListener events) {
    String key = buckets.keyOf(rule, variables, events);
    long now = buckets.now();
    double allowed = perSecond * buckets.budgetShare();
    while (true) {
      Bucket bucket = buckets.trafficOf(key, now, rule, events);
      synchronized (bucket) {
        if (bucket.arrive(now)) {
          double sampleRate = Math.min(1.0, allowed / bucket.perSecond());
          return bucket.take(now, allowed)
              ? Decision.limitedIn(rule, sampleRate)
              : Decision.limitedOut(rule, sampleRate);
        }
      }
      // The bucket was evicted after we found it; the next lookup makes a fresh one.
    }
  }

  /** Returns how many keys have their own bucket now. */
  // Visible for testing
  int trackedKeys() {
    return buckets.trackedKeys();
  }

  @Override
  public String toString() {
    return "limit " + perSecond + "/s";
  }

  /**
   * A key's token bucket, guarded by its monitor like the traffic it extends. It is kept as the
   * moment when it was, or would have been, empty: its tokens are the time since then divided by
   * the time one token takes to refill. Whole nanoseconds do not drift as summed fractions of a
   * token would.
   */
  static final class Bucket extends KeyTraffic {
    private boolean filled;
    private long emptyAt;
    private long nanosPerToken;

    /**
     * Takes a token if there is one.
     *
     * @param now the rule context's clock
     * @param tokensPerSecond the refill rate now, which changes with the budget share
     */
    boolean take(long now, double tokensPerSecond) {
      long perToken = Math.max(1L, Math.round(NANOS_PER_SECOND / tokensPerSecond));
      long sinceEmpty;
      if (!filled) {
        filled = true;
        sinceEmpty = fullAfter(perToken);
      } else {
        sinceEmpty = Math.min(now - emptyAt, fullAfter(nanosPerToken));
        if (perToken != nanosPerToken) {
          // The budget share changed: keep the tokens, which now refill at another rate.
          sinceEmpty = Math.round((double) sinceEmpty / nanosPerToken * perToken);
        }
        sinceEmpty = Math.min(sinceEmpty, fullAfter(perToken));
      }
      nanosPerToken = perToken;
      emptyAt = now - sinceEmpty;
      if (sinceEmpty >= perToken) {
        emptyAt += perToken;
        return true;
      }
      return false;
    }

    /** Idle and full again, so that a new bucket would hold the same tokens. */
    @Override
    boolean isIdle(long now) {
      return super.isIdle(now) && now - emptyAt >= fullAfter(nanosPerToken);
    }

    /**
     * The time an empty bucket takes to fill: one second of tokens, but at least one token, or a
     * rate below 1/s could never keep a trace.
     */
    private static long fullAfter(long nanosPerToken) {
      return Math.max(nanosPerToken, NANOS_PER_SECOND);
    }
  }
}
