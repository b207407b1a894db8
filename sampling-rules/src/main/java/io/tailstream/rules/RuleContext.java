package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * What the stateful actions ({@code limit} and {@code adaptive}) need from the process that runs
 * the rules.
 *
 * @param nanoClock a monotonic clock in nanoseconds, {@link System#nanoTime} in production and a
 *     controllable one in tests
 * @param budgetShare the share of each rule's per-second budget that this process enforces, in
 *     (0, 1]; it is read on every decision, so it may change while the rules run
 * @param maxKeysPerRule how many distinct keys one {@code limit} or {@code adaptive} rule tracks;
 *     keys beyond it share one overflow bucket
 */
public record RuleContext(LongSupplier nanoClock, DoubleSupplier budgetShare, int maxKeysPerRule) {

  /** The key bound when none is configured. */
  public static final int DEFAULT_MAX_KEYS_PER_RULE = 10_000;

  public RuleContext {
    requireNonNull(nanoClock, "nanoClock");
    requireNonNull(budgetShare, "budgetShare");
    if (maxKeysPerRule < 1) {
      throw new IllegalArgumentException(
          "maxKeysPerRule was " + maxKeysPerRule + " but it must be at least 1");
    }
  }

  /** The system clock, the whole budget, and the default key bound: one process alone. */
  public static RuleContext standalone() {
    return new RuleContext(System::nanoTime, () -> 1.0, DEFAULT_MAX_KEYS_PER_RULE);
  }
}
