package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link TraceView} over the OTLP spans of one trace. The summary values are computed once, when
 * the view is created; span attributes are converted when a rule first reads them.
 */
public final class OtlpTraceView implements TraceView {

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

  private OtlpTraceView(
      ByteString traceId,
      List<SpanView> spans,
      SpanView root,
      long startUnixNano,
      long durationNanos,
      int errorCount,
      int serviceCount,
      CompletionReason completion) {
    this.traceId = traceId;
    this.traceIdHex = HexFormat.of().formatHex(traceId.toByteArray());
    this.spans = spans;
    this.root = root;
    this.startUnixNano = startUnixNano;
    this.durationNanos = durationNanos;
    this.errorCount = errorCount;
    this.serviceCount = serviceCount;
    this.completion = completion;
  }

  /**
   * Creates a view of the spans in {@code data}, which must all belong to one trace. Resource
   * and scope grouping may be arbitrary.
   *
   * @param data the trace's spans
   * @param completion why the trace was considered complete
   * @return the view
   * @throws IllegalArgumentException if {@code data} holds no span, a trace ID that is not 16
   *     bytes, or spans of more than one trace
   */
  public static OtlpTraceView of(TracesData data, CompletionReason completion) {
    requireNonNull(data, "data");
    requireNonNull(completion, "completion");
    List<SpanView> spans = new ArrayList<>();
    ByteString traceId = null;
    OtlpSpanView root = null;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int errors = 0;
    Set<String> services = new HashSet<>();
    for (ResourceSpans resourceSpans : data.getResourceSpansList()) {
      OtlpResource resource = new OtlpResource(resourceSpans.getResource());
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          if (traceId == null) {
            traceId = span.getTraceId();
          } else if (!traceId.equals(span.getTraceId())) {
            throw new IllegalArgumentException("the spans belong to more than one trace");
          }
          OtlpSpanView view = new OtlpSpanView(span, resource);
          spans.add(view);
          services.add(view.service());
          start = Math.min(start, view.startUnixNano());
          end = Math.max(end, view.endUnixNano());
          if (view.isError()) {
            errors++;
          }
          if (!view.hasParent()
              && (root == null || view.startUnixNano() < root.startUnixNano())) {
            root = view;
          }
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
    return new OtlpTraceView(
        traceId,
        Collections.unmodifiableList(spans),
        root,
        start,
        Math.max(0L, end - start),
        errors,
        services.size(),
        completion);
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

  @Override
  public String toString() {
    return "OtlpTraceView{traceId=" + traceIdHex + ", spans=" + spans.size() + '}';
  }
}
