package io.tailstream.rules;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.Program;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The per-key traffic of one {@code limit} or {@code adaptive} rule, which both actions share: the
 * {@code key} expression, at most {@link RuleContext#maxKeysPerRule()} tracked keys, and one
 * shared {@link KeyTraffic} for every trace without a tracked key.
 *
 * <p>A trace uses the shared traffic when the rule has no {@code key}, when its key expression
 * fails, or when the rule already tracks the most keys it may. Keys that are {@link
 * KeyTraffic#isIdle idle} are evicted by a sweep that runs at most once per {@link
 * #SWEEP_INTERVAL_NANOS}, on the thread of a decision that finds it due, so the bound applies to
 * active keys.
 *
 * <p>Thread-safe. Each key's traffic is guarded by its own monitor; a sweep evicts a key under
 * that monitor, and {@link KeyTraffic#arrive} tells a thread that looked it up just before.
 *
 * @param <T> the per-key state
 */
final class KeyedTraffic<T extends KeyTraffic> {

  /** How often idle keys are looked for: every ten seconds of the rule context's clock. */
  static final long SWEEP_INTERVAL_NANOS = 10 * KeyTraffic.INTERVAL_NANOS;

  private final Program key;
  private final RuleContext context;
  private final Supplier<T> newTraffic;
  private final T shared;
  private final Map<String, T> byKey = new ConcurrentHashMap<>();
  // Counts the keys in byKey, reserved before they are added, so that the bound is never passed.
  private final AtomicInteger keys = new AtomicInteger();
  private final AtomicLong nextSweep;

  /**
   * Creates the traffic of a rule.
   *
   * @param key the compiled {@code key} expression, or null for one shared traffic
   * @param context the clock, budget share and key bound
   * @param newTraffic creates the state of a key when it is first seen
   */
  KeyedTraffic(Program key, RuleContext context, Supplier<T> newTraffic) {
    this.key = key;
    this.context = context;
    this.newTraffic = newTraffic;
    this.shared = newTraffic.get();
    this.nextSweep = new AtomicLong(context.nanoClock().getAsLong() + SWEEP_INTERVAL_NANOS);
  }

  /** Returns the rule context's clock, in nanoseconds. */
  long now() {
    return context.nanoClock().getAsLong();
  }

  /**
   * Returns the share of the rule's budget that this process enforces now, in (0, 1]. A value
   * outside that range breaks the {@link RuleContext} contract; it is read as the whole budget
   * rather than failing the decision.
   */
  double budgetShare() {
    double share = context.budgetShare().getAsDouble();
    return share > 0.0 && share <= 1.0 ? share : 1.0;
  }

  /**
   * Evaluates the key expression for a trace.
   *
   * @param rule the rule's name, for {@code events}
   * @param events told when the expression fails
   * @return the key, or null when the rule has no key expression or it failed
   */
  String keyOf(String rule, TraceVariables variables, RuleListener events) {
    if (key == null) {
      return null;
    }
    Object result;
    try {
      result = key.eval(variables);
    } catch (CelEvaluationException | RuntimeException e) {
      events.evaluationFailed(rule, e);
      return null;
    }
    if (result instanceof String) {
      return (String) result;
    }
    events.evaluationFailed(
        rule, new IllegalStateException("'key' returned " + result + " instead of a string"));
    return null;
  }

  /**
   * Returns the traffic of a key, which the caller then uses under its monitor; the shared one for
   * a null key or, told to {@code events}, for a new key beyond the bound.
   *
   * @param key a key from {@link #keyOf}, or null
   * @param now the rule context's clock
   * @param rule the rule's name, for {@code events}
   * @param events told when the key overflows the bound
   */
  T trafficOf(String key, long now, String rule, RuleListener events) {
    if (key == null) {
      return shared;
    }
    sweepIfDue(now);
    T traffic = byKey.get(key);
    if (traffic != null) {
      return traffic;
    }
    if (keys.incrementAndGet() > context.maxKeysPerRule()) {
      keys.decrementAndGet();
      // Another thread may have just added this very key with the last free place.
      traffic = byKey.get(key);
      if (traffic != null) {
        return traffic;
      }
      events.keyOverflowed(rule);
      return shared;
    }
    T created = newTraffic.get();
    traffic = byKey.putIfAbsent(key, created);
    if (traffic != null) {
      keys.decrementAndGet();
      return traffic;
    }
    return created;
  }

  /** Returns how many keys are tracked, not counting the shared traffic. */
  // Visible for testing
  int trackedKeys() {
    return keys.get();
  }

  private void sweepIfDue(long now) {
    long due = nextSweep.get();
    if (now - due < 0 || !nextSweep.compareAndSet(due, now + SWEEP_INTERVAL_NANOS)) {
      return;
    }
    for (Map.Entry<String, T> entry : byKey.entrySet()) {
      T traffic = entry.getValue();
      synchronized (traffic) {
        if (traffic.isIdle(now) && byKey.remove(entry.getKey(), traffic)) {
          traffic.evict();
          keys.decrementAndGet();
        }
      }
    }
  }
}
