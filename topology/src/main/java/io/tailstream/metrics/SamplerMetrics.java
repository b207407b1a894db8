package io.tailstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.tracemetrics.PrometheusTraceMetrics;
import io.tailstream.tracemetrics.TraceMetrics;
import java.time.Duration;
import java.util.List;
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
  private final Map<String, Long> inputLags = new ConcurrentHashMap<>();
  private final Map<String, long[]> buffers = new ConcurrentHashMap<>();
  private final TraceMetrics traceMetrics;
  private Gauge activeInfo;
  private Gauge candidateInfo;

  /** Health metrics, with trace metrics under the default {@code metrics.*} settings. */
  public SamplerMetrics(MeterRegistry registry) {
    this(registry, ConfigLoader.fromMap(Map.of()).metrics());
  }

  /**
   * Health metrics and trace metrics. When the registry is Prometheus's, the trace metrics are
   * exposed on it too.
   */
  public SamplerMetrics(MeterRegistry registry, TailstreamConfig.Metrics metricsConfig) {
    this.registry = registry;
    this.traceMetrics = new TraceMetrics(metricsConfig, family ->
        counter("tailstream.metrics.series_overflow",
            "Measurements folded into a metric family's otel.metric.overflow series because the"
                + " family already has metrics.max-series series", "family", family)
            .increment());
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      prometheus.getPrometheusRegistry().register(new PrometheusTraceMetrics(traceMetrics));
    }
    this.recordsIn = Counter.builder("tailstream.records.received")
        .description("Input records read from the spans topic")
        .register(registry);
    this.spansIn = Counter.builder("tailstream.spans.received")
        .description("Spans decoded from input records")
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
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofHours(1))
        .register(registry);
    this.spansPerTrace = DistributionSummary.builder("tailstream.trace.spans")
        .description("Spans per decided trace")
        .register(registry);
    Gauge.builder("tailstream.input.lag", inputLags,
            lags -> lags.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0)
        .description("How far behind its producers the assembly reads input (now minus record"
            + " timestamp, recent maximum); the idle and root timers stretch by it")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("tailstream.buffer.traces", buffers, b -> sum(b, 0))
        .description("Traces buffered in this process's assembly tasks, waiting for a decision")
        .register(registry);
    Gauge.builder("tailstream.buffer.bytes", buffers, b -> sum(b, 1))
        .description("Encoded bytes of the spans buffered in this process's assembly tasks")
        .baseUnit("bytes")
        .register(registry);
    // Counters whose label values are known up front exist from the start, at 0, so that
    // dashboards and alerts see them before the first event.
    for (String outcome : List.of("kept", "dropped", "late_unknown")) {
      counter("tailstream.spans.late", LATE_SPANS, "outcome", outcome);
    }
    for (String limit : List.of("spans", "bytes")) {
      counter("tailstream.traces.oversized", OVERSIZED, "limit", limit);
    }
    for (String result : List.of("success", "failure")) {
      counter("tailstream.metrics.exports", EXPORTS, "result", result);
    }
  }

  private static final String LATE_SPANS = "Spans that arrived after their trace was decided";
  private static final String OVERSIZED =
      "Traces decided at once because they exceeded limits.max-spans-per-trace (limit=spans)"
          + " or limits.max-trace-bytes (limit=bytes)";
  private static final String EXPORTS =
      "Exports of trace metrics to the metrics topic, by result";

  private static double sum(Map<String, long[]> buffers, int index) {
    long total = 0;
    for (long[] b : buffers.values()) {
      synchronized (b) {
        total += b[index];
      }
    }
    return total;
  }

  /** Span, trace and service-graph metrics, computed from every decided trace. */
  public TraceMetrics traceMetrics() {
    return traceMetrics;
  }

  /**
   * Changes an assembly task's buffered traces and bytes, published as the gauges {@code
   * tailstream.buffer.traces} and {@code tailstream.buffer.bytes}.
   */
  public void buffered(String task, long traces, long bytes) {
    long[] b = buffers.computeIfAbsent(task, t -> new long[2]);
    synchronized (b) {
      b[0] += traces;
      b[1] += bytes;
    }
  }

  /** An assembly task stopped here: its buffer no longer counts. */
  public void bufferClosed(String task) {
    buffers.remove(task);
  }

  /** An export of trace metrics to the metrics topic. */
  public void metricsExported(boolean success, int records) {
    counter("tailstream.metrics.exports", EXPORTS, "result", success ? "success" : "failure")
        .increment();
    if (records > 0) {
      counter("tailstream.metrics.records", "Records written to the metrics topic")
          .increment(records);
    }
  }

  /** The registry these meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  public void recordReceived(int spans) {
    recordsIn.increment();
    spansIn.increment(spans);
  }

  /** A record sent to the dead-letter topic, by reason such as {@code corrupt} or {@code empty}. */
  public void deadLettered(String reason) {
    counter("tailstream.records.dead_lettered", "Input records sent to the dead-letter topic",
        "reason", reason).increment();
  }

  /** A trace decided. */
  public void traceDecided(
      String rule, boolean kept, String completion, int spans, long delayMs, long ageMs) {
    counter("tailstream.traces.decided", "Traces decided, by rule, decision and completion reason",
        "rule", rule, "decision", kept ? "keep" : "drop", "completion", completion)
        .increment();
    decisionDelay.record(Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    traceAge.record(Math.max(0, ageMs), TimeUnit.MILLISECONDS);
    spansPerTrace.record(spans);
  }

  /** Spans that arrived after their trace was decided, by outcome {@code kept} or {@code dropped}.
   */
  public void lateSpans(boolean kept, int spans) {
    counter("tailstream.spans.late", LATE_SPANS, "outcome", kept ? "kept" : "dropped")
        .increment(spans);
  }

  /**
   * Spans of a trace decided on its own that look like late spans of a trace decided and
   * forgotten longer than {@code decision.late-span-window} ago: the trace has no root span and
   * its newest span ended more than the window before it first arrived. Counted as {@code
   * tailstream.spans.late{outcome="late_unknown"}}.
   */
  public void lateUnknownSpans(int spans) {
    counter("tailstream.spans.late", LATE_SPANS, "outcome", "late_unknown").increment(spans);
  }

  /**
   * A trace decided at once because it exceeded a limit.
   *
   * @param limit {@code spans} ({@code limits.max-spans-per-trace}) or {@code bytes} ({@code
   *     limits.max-trace-bytes})
   */
  public void traceOversized(String limit) {
    counter("tailstream.traces.oversized", OVERSIZED, "limit", limit).increment();
  }

  /**
   * Spans whose timestamps were clamped or left out of their trace's start and end.
   *
   * @param kind {@code zero_timestamp}, {@code outlier} or {@code negative_duration}
   */
  public void clockSkew(String kind, int spans) {
    if (spans > 0) {
      counter("tailstream.spans.clock_skew",
          "Spans whose timestamps were clamped or left out of their trace's start and duration,"
              + " by kind", "kind", kind).increment(spans);
    }
  }

  /** A sampled record too large for one Kafka record, written as {@code parts} records. */
  public void sampledRecordSplit(int parts) {
    counter("tailstream.traces.split",
        "Kept traces (or batches of late spans) too large for one record, written in parts")
        .increment();
    counter("tailstream.traces.split_records",
        "Records written to the sampled topic for kept traces that were split into parts")
        .increment(parts);
  }

  /** A kept span too large for one record on its own, sent to the dead-letter topic. */
  public void oversizedSpanDeadLettered() {
    counter("tailstream.spans.oversized",
        "Kept spans too large for one record of the sampled topic even alone, sent to the"
            + " dead-letter topic without their attributes, events and links").increment();
  }

  /** A punctuation that reached its bound and left due traces for the next call. */
  public void punctuationBounded() {
    counter("tailstream.traces.buffer_overflow_punctuations",
        "Punctuations that hit the per-call decision bound and left due traces for the next call")
        .increment();
  }

  /** A rule's {@code when} failed at runtime and counted as not matched. */
  public void ruleEvaluationFailed(String rule) {
    counter("tailstream.rules.evaluation_failures",
        "Runtime failures of a rule's when expression, counted as not matched", "rule", rule)
        .increment();
  }

  /**
   * A trace decided by {@code rule}: counts the match, the decision and, when kept, its spans.
   * Late spans that follow a kept decision are counted by {@link #lateSpans} and here too.
   */
  public void ruleDecided(String rule, boolean kept, int spans) {
    counter("tailstream.rules.matched", "Traces whose deciding rule was this one",
        "rule", rule).increment();
    counter("tailstream.rules.decisions", "Decisions by rule and decision",
        "rule", rule, "decision", kept ? "keep" : "drop").increment();
    if (kept) {
      spansKept(rule, spans);
    }
  }

  /** Spans written to the sampled topic because {@code rule} kept their trace. */
  public void spansKept(String rule, int spans) {
    counter("tailstream.rules.spans_kept", "Spans written to the sampled topic, by deciding rule",
        "rule", rule).increment(spans);
  }

  /** What the candidate rules would have decided for a trace. */
  public void candidateDecided(String rule, boolean kept) {
    counter("tailstream.rules.candidate.decisions",
        "Decisions the dry-run candidate rules would have made, by candidate rule and decision",
        "rule", rule, "decision", kept ? "keep" : "drop").increment();
  }

  /** A candidate rule's {@code when} failed at runtime and counted as not matched. */
  public void candidateEvaluationFailed(String rule) {
    counter("tailstream.rules.candidate.evaluation_failures",
        "Runtime failures of a candidate rule's when expression, counted as not matched",
        "rule", rule).increment();
  }

  /** A trace went to a rule's shared overflow bucket because the rule tracks too many keys. */
  public void keyOverflowed(String rule) {
    counter("tailstream.rules.key_overflow",
        "Traces of limit and adaptive rules that went to the shared overflow bucket because the"
            + " rule already tracks rules.max-keys-per-rule keys", "rule", rule).increment();
  }

  /**
   * An attempt to load a changed rules file.
   *
   * @param set {@code active} or {@code candidate}
   * @param success whether the file was valid and is now in force
   */
  public void rulesReloaded(String set, boolean success) {
    counter("tailstream.rules.reload", "Attempts to load a changed rules file, by result",
        "set", set, "result", success ? "success" : "failure").increment();
  }

  /** Attributes a redaction entry removed, masked or hashed. */
  public void redacted(String entry, int attributes) {
    counter("tailstream.redactions", "Attributes redacted before storage, by redact entry",
        "entry", entry).increment(attributes);
  }

  /**
   * Publishes which rules are in force as {@code tailstream.rules.info{hash}} = 1 (and {@code
   * tailstream.rules.candidate.info{hash}} for the candidate), replacing the previous hash.
   *
   * @param candidate whether this is the candidate set
   * @param hash the rules' hash, or null when there is no such set any more
   */
  public synchronized void rulesInForce(boolean candidate, String hash) {
    String name = candidate ? "tailstream.rules.candidate.info" : "tailstream.rules.info";
    Gauge previous = candidate ? candidateInfo : activeInfo;
    if (previous != null) {
      registry.remove(previous);
    }
    Gauge next = hash == null ? null : Gauge.builder(name, () -> 1)
        .description(candidate
            ? "1, tagged with the hash of the candidate rules being dry-run"
            : "1, tagged with the hash of the rules in force")
        .tag("hash", hash)
        .register(registry);
    if (candidate) {
      candidateInfo = next;
    } else {
      activeInfo = next;
    }
  }

  /**
   * How far behind its producers an assembly task reads, as it stretches the idle and root
   * timers; a negative value removes the task (it stopped here). Published as the gauge {@code
   * tailstream.input.lag}, the largest over this process's tasks.
   */
  public void inputLag(String task, long lagMs) {
    if (lagMs < 0) {
      inputLags.remove(task);
    } else {
      inputLags.put(task, lagMs);
    }
  }

  public Timer decisionDelay() {
    return decisionDelay;
  }

  private Counter counter(String name, String description, String... tags) {
    StringBuilder key = new StringBuilder(name);
    for (String t : tags) {
      key.append('\0').append(t);
    }
    return cache.computeIfAbsent(key.toString(), k -> Counter.builder(name)
        .description(description)
        .tags(tags)
        .register(registry));
  }
}
