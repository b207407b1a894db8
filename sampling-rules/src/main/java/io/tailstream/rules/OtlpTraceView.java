package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link TraceView} over the OTLP spans of one trace. The summary values are computed once, when
 * the view is created; span attributes are converted when a rule first reads them.
 *
 * <p>Clocks of different hosts disagree, and some spans carry broken timestamps. So that {@link
 * #startUnixNano()} and {@link #durationNanos()} are never negative or absurd, each span is checked
 * once, and counts under the first of these that applies (see {@link #clockSkew()}):
 *
 * <ol>
 *   <li><b>zero timestamp</b>: its start or end is 0 (unset), or 2^63 or more (negative as a Java
 *       {@code long}). It is left out of the trace's start and end, and its own duration is 0.
 *   <li><b>outlier</b>: its end is more than the clock-skew bound (1 hour by default) before or
 *       after the median end of the trace's other spans with plausible timestamps (the lower
 *       median for an even count). It is left out of the trace's start and end; its own duration
 *       is still end minus start, at least 0. Ends are compared, not starts, because the spans of
 *       one decided trace end close together (each is exported when it ends) while a long-running
 *       root legitimately starts long before its children.
 *   <li><b>negative duration</b>: it ends before it starts. Its duration is 0 and it counts as
 *       ending at its start.
 * </ol>
 *
 * A root span that starts after its child is not clamped: the trace starts at the child's start
 * and the root keeps its own duration.
 */
public final class OtlpTraceView implements TraceView {

  /** How far a span's end may lie from the trace's median end before the span is an outlier. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofHours(1);

  private static final int TRACE_ID_BYTES = 16;

  private final ByteString traceId;
  private final String traceIdHex;
  private final List<SpanView> spans;
  private final SpanView root;
  private final long startUnixNano;
  private final long durationNanos;
  private final int errorCount;
  private final int serviceCount;
  private final CompletionReason completion;
  private final ClockSkew clockSkew;

  private OtlpTraceView(
      ByteString traceId,
      List<SpanView> spans,
      SpanView root,
      long startUnixNano,
      long durationNanos,
      int errorCount,
      int serviceCount,
      CompletionReason completion,
      ClockSkew clockSkew) {
    this.traceId = traceId;
    this.traceIdHex = HexFormat.of().formatHex(traceId.toByteArray());
    this.spans = spans;
    this.root = root;
    this.startUnixNano = startUnixNano;
    this.durationNanos = durationNanos;
    this.errorCount = errorCount;
    this.serviceCount = serviceCount;
    this.completion = completion;
    this.clockSkew = clockSkew;
  }

  /**
   * Spans whose timestamps were clamped or left out of the trace's start and end, by kind. Each
   * span counts once, under the first kind that applies, in the order of the fields.
   *
   * @param zeroTimestamp spans with a zero (or at least 2^63) start or end
   * @param outlier spans ending more than the clock-skew bound away from the trace's median end
   * @param negativeDuration spans ending before they start
   */
  public record ClockSkew(int zeroTimestamp, int outlier, int negativeDuration) {
    /** No span affected. */
    public static final ClockSkew NONE = new ClockSkew(0, 0, 0);

    /** All affected spans. */
    public int total() {
      return zeroTimestamp + outlier + negativeDuration;
    }
  }

  /**
   * Like {@link #of(TracesData, CompletionReason, Duration)} with the {@linkplain
   * #DEFAULT_MAX_CLOCK_SKEW default clock-skew bound} of 1 hour.
   *
   * @throws IllegalArgumentException if {@code data} holds no span, a trace ID that is not 16
   *     bytes, or spans of more than one trace
   */
  public static OtlpTraceView of(TracesData data, CompletionReason completion) {
    return of(data, completion, DEFAULT_MAX_CLOCK_SKEW);
  }

  /**
   * Creates a view of the spans in {@code data}, which must all belong to one trace. Resource
   * and scope grouping may be arbitrary.
   *
   * @param data the trace's spans
   * @param completion why the trace was considered complete
   * @param maxClockSkew how far a span's end may lie from the trace's median end before the span
   *     is an outlier, left out of the trace's start and end; positive
   * @return the view
   * @throws IllegalArgumentException if {@code data} holds no span, a trace ID that is not 16
   *     bytes, or spans of more than one trace, or if {@code maxClockSkew} is not positive
   */
  public static OtlpTraceView of(
      TracesData data, CompletionReason completion, Duration maxClockSkew) {
    requireNonNull(data, "data");
    requireNonNull(completion, "completion");
    requireNonNull(maxClockSkew, "maxClockSkew");
    TraceSummary.requirePositive(maxClockSkew);
    List<OtlpSpanView> spans = new ArrayList<>();
    ByteString traceId = null;
    for (ResourceSpans resourceSpans : data.getResourceSpansList()) {
      OtlpResource resource = new OtlpResource(resourceSpans.getResource());
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          if (traceId == null) {
            traceId = span.getTraceId();
          } else if (!traceId.equals(span.getTraceId())) {
            throw new IllegalArgumentException("the spans belong to more than one trace");
          }
          spans.add(new OtlpSpanView(span, resource));
        }
      }
    }
    if (traceId == null) {
      throw new IllegalArgumentException("a trace needs at least one span");
    }
    if (traceId.size() != TRACE_ID_BYTES) {
      throw new IllegalArgumentException(
          "the trace ID has " + traceId.size() + " bytes but it must have " + TRACE_ID_BYTES);
    }
    TraceSummary summary = TraceSummary.of(spans, maxClockSkew);
    return new OtlpTraceView(
        traceId,
        Collections.<SpanView>unmodifiableList(spans),
        summary.root(),
        summary.startUnixNano(),
        summary.durationNanos(),
        summary.errorCount(),
        summary.serviceCount(),
        completion,
        summary.clockSkew());
  }

  @Override
  public byte[] traceId() {
    return traceId.toByteArray();
  }

  @Override
  public String traceIdHex() {
    return traceIdHex;
  }

  @Override
  public List<SpanView> spans() {
    return spans;
  }

  @Override
  public Optional<SpanView> root() {
    return Optional.ofNullable(root);
  }

  @Override
  public long startUnixNano() {
    return startUnixNano;
  }

  @Override
  public long durationNanos() {
    return durationNanos;
  }

  @Override
  public int spanCount() {
    return spans.size();
  }

  @Override
  public int errorCount() {
    return errorCount;
  }

  @Override
  public int serviceCount() {
    return serviceCount;
  }

  @Override
  public CompletionReason completion() {
    return completion;
  }

  /** The spans whose timestamps were clamped or left out when computing start and duration. */
  public ClockSkew clockSkew() {
    return clockSkew;
  }

  @Override
  public String toString() {
    return "OtlpTraceView{traceId=" + traceIdHex + ", spans=" + spans.size() + '}';
  }
}
