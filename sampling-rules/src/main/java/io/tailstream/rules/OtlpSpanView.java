package io.tailstream.rules;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Map;

/** A {@link SpanView} over an OTLP span; attributes are converted on first use. */
final class OtlpSpanView implements SpanView {

  private final Span span;
  private final OtlpResource resource;
  private volatile Map<String, Object> attributes;

  OtlpSpanView(Span span, OtlpResource resource) {
    this.span = span;
    this.resource = resource;
  }

  @Override
  public String service() {
    return resource.service();
  }

  @Override
  public String name() {
    return span.getName();
  }

  @Override
  public String kind() {
    switch (span.getKind()) {
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

  @Override
  public String status() {
    switch (span.getStatus().getCode()) {
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

  boolean isError() {
    return span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
  }

  boolean hasParent() {
    return !span.getParentSpanId().isEmpty();
  }

  @Override
  public long startUnixNano() {
    return span.getStartTimeUnixNano();
  }

  long endUnixNano() {
    return span.getEndTimeUnixNano();
  }

  /**
   * Whether both timestamps are set. OTLP timestamps are unsigned, so one at or above 2^63 (the
   * year 2262) reads as negative here and does not count as set either.
   */
  boolean hasPlausibleTimestamps() {
    return span.getStartTimeUnixNano() > 0 && span.getEndTimeUnixNano() > 0;
  }

  /** Whether the span ends before it starts. */
  boolean endsBeforeStart() {
    return span.getEndTimeUnixNano() < span.getStartTimeUnixNano();
  }

  /** The end, or the start for a span that ends before it starts. */
  long clampedEndUnixNano() {
    return Math.max(span.getStartTimeUnixNano(), span.getEndTimeUnixNano());
  }

  @Override
  public long durationNanos() {
    if (!hasPlausibleTimestamps()) {
      // An unset start would turn the end into a duration of decades.
      return 0L;
    }
    return Math.max(0L, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
  }

  @Override
  public Map<String, Object> attributes() {
    Map<String, Object> result = attributes;
    if (result == null) {
      result = AttributeValues.toMap(span.getAttributesList());
      attributes = result;
    }
    return result;
  }

  /** The attributes for CEL: the converted map if there is one already, else the key-values. */
  AttributeMapValue celAttributes() {
    Map<String, Object> converted = attributes;
    return converted != null
        ? AttributeMapValue.of(converted)
        : AttributeMapValue.ofKeyValues(span.getAttributesList());
  }

  /** The resource attributes for CEL, shared by the spans of the resource. */
  AttributeMapValue celResource() {
    return resource.celAttributes();
  }

  @Override
  public Map<String, Object> resource() {
    return resource.attributes();
  }

  @Override
  public String traceState() {
    return span.getTraceState();
  }

  @Override
  public String toString() {
    return "OtlpSpanView{service=" + service() + ", name=" + name() + '}';
  }
}
