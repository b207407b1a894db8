package io.tailstream.rules;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Map;

/** A {@link SpanView} over a parsed OTLP span; attributes are converted on first use. */
final class OtlpSpanView implements OtlpSpan {

  private final Span span;
  private final OtlpResource resource;
  private volatile Map<String, Object> attributes;

  OtlpSpanView(Span span, OtlpResource resource) {
    this.span = span;
    this.resource = resource;
  }

  @Override
  public String name() {
    return span.getName();
  }

  @Override
  public String kind() {
    return OtlpSpan.kindName(span.getKind());
  }

  @Override
  public String status() {
    return OtlpSpan.statusName(span.getStatus().getCode());
  }

  @Override
  public boolean isError() {
    return span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
  }

  @Override
  public boolean hasParent() {
    return !span.getParentSpanId().isEmpty();
  }

  @Override
  public long startUnixNano() {
    return span.getStartTimeUnixNano();
  }

  @Override
  public long endUnixNano() {
    return span.getEndTimeUnixNano();
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
  @Override
  public AttributeMapValue celAttributes() {
    Map<String, Object> converted = attributes;
    return converted != null
        ? AttributeMapValue.of(converted)
        : AttributeMapValue.ofKeyValues(span.getAttributesList());
  }

  @Override
  public OtlpResource otlpResource() {
    return resource;
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
