package io.tailstream.decision;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.Decision;
import io.tailstream.rules.OtlpTraceView;
import io.tailstream.rules.RuleSet;
import io.tailstream.rules.SpanView;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.otlp.SpanRewriter;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides one complete trace: evaluates the active rules on a read-only view of it, and produces
 * the decision record and, for a kept trace, the output {@code TracesData} with every span marked.
 */
public final class TraceDecider {
  private final ActiveRules rules;

  public TraceDecider(ActiveRules rules) {
    this.rules = rules;
  }

  /** The outcome of deciding one trace. {@code keptTrace} is null when the trace is dropped. */
  public record DecidedTrace(Decision decision, byte[] keptTrace, TraceDecision record) {}

  /**
   * Decides a trace.
   *
   * @param traceId the 16-byte trace ID
   * @param tracesData all of the trace's buffered fragments, concatenated; protobuf concatenation
   *     of {@code TracesData} messages is itself a {@code TracesData} holding every span
   * @param reason what made the trace complete
   * @param nowMs wall-clock time of the decision
   * @param spanCount spans buffered for the trace
   */
  public DecidedTrace decide(
      byte[] traceId, String traceIdHex, byte[] tracesData, CompletionReason reason, long nowMs,
      int spanCount) {
    TracesData data;
    try {
      data = TracesData.parseFrom(tracesData);
    } catch (InvalidProtocolBufferException e) {
      // The fragments were validated at ingest; this means the store itself is damaged.
      throw new IllegalStateException("buffered fragments of trace " + traceIdHex
          + " do not parse as OTLP", e);
    }
    OtlpTraceView view = OtlpTraceView.of(data, reason);
    RuleSet ruleSet = rules.rules();
    Decision decision = ruleSet.evaluate(view);
    byte[] kept = decision.kept()
        ? SpanRewriter.markKept(tracesData, decision.rule(), decision.otThreshold())
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
        .setDecision(decision.kept()
            ? io.tailstream.serdes.avro.Decision.KEEP
            : io.tailstream.serdes.avro.Decision.DROP)
        .setRule(decision.rule())
        .setSampleRate(decision.sampleRate())
        .setCompletionReason(io.tailstream.serdes.avro.CompletionReason.valueOf(reason.name()))
        .setDecidedAt(Instant.ofEpochMilli(nowMs))
        .setSamplingThreshold(decision.otThreshold())
        .setRulesHash(ruleSet.hash())
        .build();
    return new DecidedTrace(decision, kept, record);
  }

  /** Marks late spans of a kept trace the same way the trace itself was marked. */
  public static byte[] markLate(byte[] tracesData, CachedDecision decision) {
    return SpanRewriter.markKept(tracesData, decision.rule(), decision.otThreshold());
  }
}
