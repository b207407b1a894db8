package io.tailstream.rules;

/**
 * The traffic of one key of a {@code limit} or {@code adaptive} rule: an estimate of its arrival
 * rate, and when it last arrived. {@code limit} extends it with a token bucket.
 *
 * <p>The rate is an exponential moving average of the arrivals per {@link #INTERVAL_NANOS}
 * interval, with weight {@link #WEIGHT} for the newest interval. Intervals start at the key's
 * first arrival and follow each other without gaps, so an interval with no arrival decays the
 * average like a measured zero. Until the first interval ends, the estimate is the count so far.
 *
 * <p>Not thread-safe: every access holds the instance's monitor. {@link KeyedTraffic} may evict
 * an instance while a thread is about to use it, which {@link #arrive} then reports.
 */
class KeyTraffic {

  /** The averaging interval: one second of the rule context's clock. */
  static final long INTERVAL_NANOS = 1_000_000_000L;

  /**
   * The weight of the newest interval in the average. One half forgets a traffic change in a few
   * intervals (to 3% after five) while smoothing the noise of a single interval.
   */
  static final double WEIGHT = 0.5;

  /** A key that has had no arrival for this long, one minute, may be evicted. */
  static final long IDLE_NANOS = 60 * INTERVAL_NANOS;

  private static final double NANOS_PER_SECOND = 1e9;

  private boolean started;
  private boolean evicted;
  private long intervalStart;
  private long arrivalsInInterval;
  private long lastArrival;
  // Arrivals per second; negative until the first interval has ended.
  private double average = -1.0;

  /**
   * Records an arrival.
   *
   * @param now the rule context's clock
   * @return false if this instance was evicted: the caller must look the key up again
   */
  final boolean arrive(long now) {
    if (evicted) {
      return false;
    }
    if (!started) {
      started = true;
      intervalStart = now;
    } else if (now - intervalStart >= INTERVAL_NANOS) {
      endIntervals((now - intervalStart) / INTERVAL_NANOS);
    }
    arrivalsInInterval++;
    lastArrival = now;
    return true;
  }

  /**
   * Returns the arrival rate as of the last {@link #arrive}, in traces per second: the larger of
   * the moving average and the arrivals so far in the current interval. The latter caps a sudden
   * burst, of a new key too, within the interval in which it starts, rather than a few intervals
   * later.
   */
  final double perSecond() {
    double current = arrivalsInInterval * NANOS_PER_SECOND / INTERVAL_NANOS;
    return Math.max(average, current);
  }

  /**
   * Returns whether a new instance would do as well as this one, so that it may be evicted: no
   * arrival for {@link #IDLE_NANOS}. Subclasses add their own conditions.
   */
  boolean isIdle(long now) {
    return started && now - lastArrival >= IDLE_NANOS;
  }

  /** Marks this instance as no longer in its table; later {@link #arrive} calls return false. */
  final void evict() {
    evicted = true;
  }

  private void endIntervals(long intervals) {
    double ended = arrivalsInInterval * NANOS_PER_SECOND / INTERVAL_NANOS;
    average = average < 0 ? ended : average + WEIGHT * (ended - average);
    if (intervals > 1) {
      average *= Math.pow(1.0 - WEIGHT, intervals - 1);
    }
    intervalStart += intervals * INTERVAL_NANOS;
    arrivalsInInterval = 0;
  }
}
