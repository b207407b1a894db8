package io.tailstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The sampler's own counters, timers and summaries. One instance is shared by every stream thread
 * and task of a process; Micrometer meters are thread-safe.
 *
 * <p>Names follow Micrometer conventions (lowercase, dotted); tags are bounded: {@code rule} by the
 * number of rules, {@code reason} and {@code outcome} by small enums.
 */
public final class SamplerMetrics {
  private final MeterRegistry registry;
  private final Counter recordsIn;
  private final Counter spansIn;
  private final Timer decisionDelay;
  private final Timer traceAge;
  private final DistributionSummary spansPerTrace;
  private final Map<String, Counter> cache = new ConcurrentHashMap<>();

  public SamplerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.recordsIn = Counter.builder("tailstream.records.received")
        .description("Input records read from the spans topic")
        .baseUnit("records")
        .register(registry);
    this.spansIn = Counter.builder("tailstream.spans.received")
        .description("Spans decoded from input records")
        .baseUnit("spans")
        .register(registry);
    this.decisionDelay = Timer.builder("tailstream.decision.delay")
        .description("Time from a trace's last span arriving to its decision")
        .publishPercentiles(0.5, 0.99)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry);
    this.traceAge = Timer.builder("tailstream.trace.age")
        .description("Time from a trace's first span arriving to its decision")
        .publishPercentiles(0.5, 0.99)
        .register(registry);
    this.spansPerTrace = DistributionSummary.builder("tailstream.trace.spans")
        .description("Spans per decided trace")
        .baseUnit("spans")
        .register(registry);
  }

  /** The registry these meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  public void recordReceived(int spans) {
    recordsIn.increment();
    spansIn.increment(spans);
  }

  /** A record sent to the dead-letter topic, by short reason such as {@code corrupt} or {@code empty}. */
  public void deadLettered(String reason) {
    counter("tailstream.records.dead_lettered", "Input records sent to the dead-letter topic",
        "records", "reason", reason).increment();
  }

  /** A trace decided. */
  public void traceDecided(
      String rule, boolean kept, String completion, int spans, long delayMs, long ageMs) {
    counter("tailstream.traces.decided", "Traces decided, by rule, decision and completion reason",
        "traces", "rule", rule, "decision", kept ? "keep" : "drop", "completion", completion)
        .increment();
    decisionDelay.record(Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    traceAge.record(Math.max(0, ageMs), TimeUnit.MILLISECONDS);
    spansPerTrace.record(spans);
  }

  /** Spans that arrived after their trace was decided, by outcome {@code kept} or {@code dropped}. */
  public void lateSpans(boolean kept, int spans) {
    counter("tailstream.spans.late", "Spans that arrived after their trace was decided",
        "spans", "outcome", kept ? "kept" : "dropped").increment(spans);
  }

  /** A punctuation that reached its bound and left due traces for the next call. */
  public void punctuationBounded() {
    counter("tailstream.traces.buffer_overflow_punctuations",
        "Punctuations that hit the per-call decision bound and left due traces for the next call",
        "punctuations").increment();
  }

  /** A rule's {@code when} failed at runtime and counted as not matched. */
  public void ruleEvaluationFailed(String rule) {
    counter("tailstream.rules.evaluation_failures",
        "Runtime failures of a rule's when expression, counted as not matched",
        "evaluations", "rule", rule).increment();
  }

  public Timer decisionDelay() {
    return decisionDelay;
  }

  private Counter counter(String name, String description, String unit, String... tags) {
    StringBuilder key = new StringBuilder(name);
    for (String t : tags) {
      key.append('\0').append(t);
    }
    return cache.computeIfAbsent(key.toString(), k -> Counter.builder(name)
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .register(registry));
  }
}
