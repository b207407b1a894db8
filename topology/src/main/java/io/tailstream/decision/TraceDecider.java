package io.tailstream.decision;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.Decision;
import io.tailstream.rules.OtlpTraceView;
import io.tailstream.rules.SpanView;
import io.tailstream.rules.WireTraceView;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.otlp.SpanRewriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides one complete trace: evaluates the active rules (and the candidate rules, as a dry run)
 * on a read-only view of it, and produces the decision record and, for a kept trace, the output
 * {@code TracesData}, redacted and with every span marked.
 *
 * <p>Spans with implausible or skewed timestamps are counted in {@code
 * tailstream.spans.clock_skew{kind}}; see {@link OtlpTraceView} for the rules.
 */
public final class TraceDecider {
  private final ActiveRules rules;
  private final SamplerMetrics metrics;
  private final Duration maxClockSkew;

  /**
   * @param maxClockSkew how far a span's end may lie from its trace's median end before it is left
   *     out of the trace's start and duration; see {@link #maxClockSkew(TailstreamConfig.Decision)}
   */
  public TraceDecider(ActiveRules rules, SamplerMetrics metrics, Duration maxClockSkew) {
    this.rules = rules;
    this.metrics = metrics;
    this.maxClockSkew = maxClockSkew;
  }

  /** A decider with the default clock-skew bound of 1 hour. */
  public TraceDecider(ActiveRules rules, SamplerMetrics metrics) {
    this(rules, metrics, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW);
  }

  /**
   * The clock-skew bound for traces assembled under these timings: 1 hour, or {@code
   * decision.max-trace-age} plus {@code decision.wait} if that is longer, because the spans of one
   * decided trace can legitimately end that far apart.
   */
  public static Duration maxClockSkew(TailstreamConfig.Decision decision) {
    Duration assembly = decision.maxTraceAge().plus(decision.idleTimeout());
    Duration floor = OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW;
    return assembly.compareTo(floor) > 0 ? assembly : floor;
  }

  /**
   * The outcome of deciding one trace.
   *
   * @param keptTrace the output {@code TracesData}, or null when the trace is dropped
   * @param hasRoot whether the trace has a span without a parent
   * @param endUnixNano the latest end of the spans with trustworthy clocks (start plus duration
   *     in the decision record); 0 if none
   */
  public record DecidedTrace(Decision decision, byte[] keptTrace, TraceDecision record,
      boolean hasRoot, long endUnixNano) {}

  /**
   * Decides a trace.
   *
   * @param traceIdHex the trace ID as 32 hex digits
   * @param tracesData all of the trace's buffered fragments, concatenated; protobuf concatenation
   *     of {@code TracesData} messages is itself a {@code TracesData} holding every span
   * @param reason what made the trace complete
   * @param nowMs wall-clock time of the decision
   */
  public DecidedTrace decide(
      String traceIdHex, byte[] tracesData, CompletionReason reason, long nowMs) {
    WireTraceView view;
    try {
      view = WireTraceView.of(tracesData, reason, maxClockSkew);
    } catch (IllegalArgumentException e) {
      // The fragments were validated at ingest; this means the store itself is damaged.
      throw new IllegalStateException("buffered fragments of trace " + traceIdHex
          + " do not parse as OTLP", e);
    }
    OtlpTraceView.ClockSkew skew = view.clockSkew();
    if (skew.total() > 0) {
      metrics.clockSkew("zero_timestamp", skew.zeroTimestamp());
      metrics.clockSkew("outlier", skew.outlier());
      metrics.clockSkew("negative_duration", skew.negativeDuration());
    }
    ActiveRules.Snapshot snapshot = rules.snapshot();
    Decision decision = snapshot.active().rules().evaluate(view);
    metrics.traceMetrics().traceDecided(view, decision.kept(), decision.sampleRate());
    Decision candidate = null;
    if (snapshot.candidate() != null) {
      candidate = snapshot.candidate().rules().evaluate(view);
      snapshot.diff().record(decision, candidate);
      metrics.candidateDecided(candidate.rule(), candidate.kept());
    }
    byte[] kept = decision.kept()
        ? markKept(snapshot.active(), tracesData, decision.rule(), decision.otThreshold(),
            decision.sampleRate())
        : null;
    Optional<SpanView> root = view.root();
    TraceDecision record = TraceDecision.newBuilder()
        .setTraceId(traceIdHex)
        .setRootService(root.map(SpanView::service).orElse(""))
        .setRootName(root.map(SpanView::name).orElse(""))
        .setStartTimeUnixNano(view.startUnixNano())
        .setDurationNanos(view.durationNanos())
        .setSpanCount(view.spanCount())
        .setErrorCount(view.errorCount())
        .setDecision(avro(decision))
        .setRule(decision.rule())
        .setSampleRate(decision.sampleRate())
        .setCompletionReason(io.tailstream.serdes.avro.CompletionReason.valueOf(reason.name()))
        .setDecidedAt(Instant.ofEpochMilli(nowMs))
        .setSamplingThreshold(decision.otThreshold())
        .setRulesHash(snapshot.active().hash())
        .setCandidateDecision(candidate == null ? null : avro(candidate))
        .setCandidateRule(candidate == null ? null : candidate.rule())
        .build();
    long end = view.startUnixNano() == 0 ? 0 : view.startUnixNano() + view.durationNanos();
    return new DecidedTrace(decision, kept, record, root.isPresent(), end);
  }

  /**
   * Handles spans that arrived after their trace was decided: records them in the span metrics
   * and, for a kept trace, prepares them for output the same way the trace itself was: redacted
   * with the rules in force now, and marked with the cached decision.
   *
   * @return the output {@code TracesData}, or null when the trace was dropped
   */
  public byte[] late(byte[] tracesData, CachedDecision decision) {
    try {
      metrics.traceMetrics().lateSpans(
          WireTraceView.of(tracesData, CompletionReason.IDLE, maxClockSkew), decision.kept());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("a validated fragment does not parse as OTLP", e);
    }
    return decision.kept()
        ? markKept(rules.active(), tracesData, decision.rule(), decision.otThreshold(),
            decision.sampleRate())
        : null;
  }

  private byte[] markKept(LoadedRules loaded, byte[] tracesData, String rule, String otThreshold,
      double sampleRate) {
    byte[] redacted = loaded.redactor().apply(tracesData, metrics::redacted);
    return SpanRewriter.markKept(redacted, rule, otThreshold, sampleRate);
  }

  private static io.tailstream.serdes.avro.Decision avro(Decision d) {
    return d.kept()
        ? io.tailstream.serdes.avro.Decision.KEEP
        : io.tailstream.serdes.avro.Decision.DROP;
  }
}
