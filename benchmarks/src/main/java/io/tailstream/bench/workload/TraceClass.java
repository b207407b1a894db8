package io.tailstream.bench.workload;

import java.util.Random;

/**
 * The kinds of traces a workload mixes, with the demo generator's shares, so that a realistic
 * rule set lets most traces fall through to its last rule.
 */
public enum TraceClass {
  /** {@code GET /healthz} or {@code /readyz} on the frontend, checking its dependencies. */
  HEALTH_CHECK(0.10),
  /** One call fails: the failing span, its caller and the root have status ERROR. */
  ERROR(0.02),
  /** One database or external call takes 2.1 to 2.9 s, so the trace lasts over 2 s. */
  SLOW(0.01),
  /** The root carries {@code sampling.priority = 1}. */
  PRIORITY(0.01),
  /** Everything else. */
  NORMAL(0.86);

  private final double share;

  TraceClass(double share) {
    this.share = share;
  }

  /** The share of traces of this class, in [0, 1]. */
  public double share() {
    return share;
  }

  static TraceClass pick(Random random) {
    double r = random.nextDouble();
    for (TraceClass c : values()) {
      if (r < c.share) {
        return c;
      }
      r -= c.share;
    }
    return NORMAL;
  }
}
