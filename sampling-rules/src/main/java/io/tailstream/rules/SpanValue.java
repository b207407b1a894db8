package io.tailstream.rules;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A span as a CEL {@code tailstream.Span}. Fields are read from the {@link SpanView} when an
 * expression selects them, so no per-span map is built.
 */
final class SpanValue extends ViewStruct<SpanValue> {

  /** What {@code root} reads in a trace whose root span has not arrived: empty fields. */
  static final SpanView EMPTY_ROOT_SPAN = new EmptySpan();

  /** The {@code root} of a trace whose root span has not arrived. */
  static final SpanValue EMPTY_ROOT = new SpanValue(EMPTY_ROOT_SPAN);

  private final SpanView span;
  // Converted on first selection and kept for every later rule of the evaluation. EMPTY_ROOT is
  // shared between threads; a race only converts an empty map twice into a final-field value.
  private AttributeMapValue attributes;
  private AttributeMapValue resource;

  SpanValue(SpanView span) {
    super(span, TraceTypes.SPAN);
    this.span = span;
  }

  @Override
  public Object select(String field) {
    switch (field) {
      case "service":
        return span.service();
      case "name":
        return span.name();
      case "kind":
        return span.kind();
      case "status":
        return span.status();
      case "duration":
        return Duration.ofNanos(span.durationNanos());
      case "attributes":
        if (attributes == null) {
          attributes = celAttributes(span);
        }
        return attributes;
      case "resource":
        if (resource == null) {
          resource = celResource(span);
        }
        return resource;
      default:
        throw new IllegalArgumentException("no such field '" + field + "' in a span");
    }
  }

  /**
   * Returns a span's attributes as CEL sees them, which is also what the {@code when} predicates
   * compiled to Java read.
   */
  static AttributeMapValue celAttributes(SpanView span) {
    // An OTLP span is read from its key-values, without converting them into a map first.
    return span instanceof OtlpSpan otlp
        ? otlp.celAttributes()
        : AttributeMapValue.of(span.attributes());
  }

  /** Returns a span's resource attributes as CEL sees them; see {@link #celAttributes}. */
  static AttributeMapValue celResource(SpanView span) {
    return span instanceof OtlpSpan otlp
        ? otlp.celResource()
        : AttributeMapValue.of(span.resource());
  }

  /** Proto3-like presence: a field is present when it is not empty or zero. */
  @Override
  public Optional<Object> find(String field) {
    Object value = select(field);
    boolean empty =
        (value instanceof String && ((String) value).isEmpty())
            || (value instanceof Map && ((Map<?, ?>) value).isEmpty())
            || (value instanceof Duration && ((Duration) value).isZero());
    return empty ? Optional.empty() : Optional.of(value);
  }

  @Override
  public String toString() {
    return "tailstream.Span{" + span + '}';
  }

  private static final class EmptySpan implements SpanView {
    @Override
    public String service() {
      return "";
    }

    @Override
    public String name() {
      return "";
    }

    @Override
    public String kind() {
      return "";
    }

    @Override
    public String status() {
      return "";
    }

    @Override
    public long startUnixNano() {
      return 0L;
    }

    @Override
    public long durationNanos() {
      return 0L;
    }

    @Override
    public Map<String, Object> attributes() {
      return Map.of();
    }

    @Override
    public Map<String, Object> resource() {
      return Map.of();
    }

    @Override
    public String traceState() {
      return "";
    }

    @Override
    public String toString() {
      return "no root";
    }
  }
}
