package io.tailstream.rules;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Map;

/**
 * A span of an OTLP trace, parsed ({@link OtlpSpanView}) or read in place ({@link WireSpan}): what
 * the trace views compute their summaries from and what CEL reads attributes through.
 */
interface OtlpSpan extends SpanView {

  /** End time, in nanoseconds since the Unix epoch; as sent, possibly 0 or before the start. */
  long endUnixNano();

  /** Whether the span has a parent span ID. */
  boolean hasParent();

  /** Whether the status code is {@code ERROR}. */
  boolean isError();

  /** The attributes for CEL, read lazily from the OTLP key-values. */
  AttributeMapValue celAttributes();

  /** The span's resource, shared by the spans of the resource. */
  OtlpResource otlpResource();

  /** The resource attributes for CEL, shared by the spans of the resource. */
  default AttributeMapValue celResource() {
    return otlpResource().celAttributes();
  }

  @Override
  default String service() {
    return otlpResource().service();
  }

  @Override
  default Map<String, Object> resource() {
    return otlpResource().attributes();
  }

  /**
   * Whether both timestamps are set. OTLP timestamps are unsigned, so one at or above 2^63 (the
   * year 2262) reads as negative here and does not count as set either.
   */
  default boolean hasPlausibleTimestamps() {
    return startUnixNano() > 0 && endUnixNano() > 0;
  }

  /** Whether the span ends before it starts. */
  default boolean endsBeforeStart() {
    return endUnixNano() < startUnixNano();
  }

  /** The end, or the start for a span that ends before it starts. */
  default long clampedEndUnixNano() {
    return Math.max(startUnixNano(), endUnixNano());
  }

  @Override
  default long durationNanos() {
    if (!hasPlausibleTimestamps()) {
      // An unset start would turn the end into a duration of decades.
      return 0L;
    }
    return Math.max(0L, endUnixNano() - startUnixNano());
  }

  /** The name {@link SpanView#kind()} gives a span kind; null for a number OTLP does not define. */
  static String kindName(Span.SpanKind kind) {
    if (kind == null) {
      return "UNSPECIFIED";
    }
    switch (kind) {
      case SPAN_KIND_INTERNAL:
        return "INTERNAL";
      case SPAN_KIND_SERVER:
        return "SERVER";
      case SPAN_KIND_CLIENT:
        return "CLIENT";
      case SPAN_KIND_PRODUCER:
        return "PRODUCER";
      case SPAN_KIND_CONSUMER:
        return "CONSUMER";
      case SPAN_KIND_UNSPECIFIED:
      case UNRECOGNIZED:
      default:
        return "UNSPECIFIED";
    }
  }

  /** The name {@link SpanView#status()} gives a status code; null for a number not defined. */
  static String statusName(Status.StatusCode code) {
    if (code == null) {
      return "UNSET";
    }
    switch (code) {
      case STATUS_CODE_OK:
        return "OK";
      case STATUS_CODE_ERROR:
        return "ERROR";
      case STATUS_CODE_UNSET:
      case UNRECOGNIZED:
      default:
        return "UNSET";
    }
  }
}
