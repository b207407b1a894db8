package io.tailstream.assembly;

/**
 * How far behind its producers this task reads input: the largest {@code now - record
 * timestamp} seen over the last one to two windows. Spans of one trace are produced close
 * together, but after a crash, an outage or a rebalance the input partitions catch up at
 * different speeds, so the spans of one trace can reach the assembly further apart than {@code
 * decision.wait}. Adding this lag to the idle and root timers keeps such a trace whole: the
 * timers stretch while the task catches up and shrink back when it has.
 *
 * <p>A lag above the ceiling ({@code decision.max-trace-age}) is not counted: waiting cannot help
 * there, and it is more likely a producer whose clock is behind, or a replay of old data. A
 * negative lag (a producer clock ahead) counts as none.
 */
final class InputLag {
  private final long windowMs;
  private final long ceilingMs;
  private long windowStartMs;
  private long currentMaxMs;
  private long previousMaxMs;

  /**
   * @param windowMs the window length, {@code decision.wait}
   * @param ceilingMs lags above this are ignored
   */
  InputLag(long windowMs, long ceilingMs) {
    this.windowMs = Math.max(1, windowMs);
    this.ceilingMs = ceilingMs;
  }

  /** Records that a record with this timestamp was read now. */
  void observe(long recordTimestampMs, long nowMs) {
    roll(nowMs);
    long lag = nowMs - recordTimestampMs;
    if (lag > 0 && lag <= ceilingMs && lag > currentMaxMs) {
      currentMaxMs = lag;
    }
  }

  /** The lag to add to the idle and root timers now, in milliseconds. */
  long estimateMs(long nowMs) {
    roll(nowMs);
    return Math.max(currentMaxMs, previousMaxMs);
  }

  private void roll(long nowMs) {
    long elapsed = nowMs - windowStartMs;
    if (elapsed >= windowMs) {
      previousMaxMs = elapsed >= 2 * windowMs ? 0 : currentMaxMs;
      currentMaxMs = 0;
      windowStartMs = nowMs;
    }
  }
}
