package io.tailstream.rules;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A value that a {@code when} predicate compiled to Java reads: a constant, a field of {@code
 * trace}, a field of {@code root} or of the span a {@code spans} macro visits, or one attribute.
 * It reads only that value, and gives it in the form CEL's runtime has for it (see {@link
 * CelComparisons}).
 */
abstract class WhenOperand {

  // The fields as TraceValue and SpanValue give them to CEL, but for the ints and durations,
  // which are read as longs.
  private static final Map<String, ToLongFunction<TraceView>> TRACE_INT_FIELDS =
      Map.of(
          "span_count", TraceView::spanCount,
          "error_count", TraceView::errorCount,
          "service_count", TraceView::serviceCount);
  private static final Map<String, Function<TraceView, Object>> TRACE_OBJECT_FIELDS =
      Map.of(
          "id", TraceView::traceIdHex,
          "has_root", trace -> trace.root().isPresent(),
          "start", trace -> Instant.ofEpochSecond(0L, trace.startUnixNano()),
          "completion", trace -> trace.completion().label());
  private static final Map<String, Function<SpanView, String>> SPAN_STRING_FIELDS =
      Map.of(
          "service", SpanView::service,
          "name", SpanView::name,
          "kind", SpanView::kind,
          "status", SpanView::status);

  /**
   * What {@link #read} returns where CEL fails: a missing attribute key. Never equal to a value.
   */
  static final Object MISSING =
      new Object() {
        @Override
        public String toString() {
          return "<missing>";
        }
      };

  /**
   * Reads the value.
   *
   * @param variables the trace being decided
   * @param span the span the enclosing {@code spans} macro visits, or null outside one
   * @return the value, or {@link #MISSING}
   */
  abstract Object read(TraceVariables variables, SpanView span);

  /** Which span a span field is read from. */
  enum SpanSource {
    /** {@code root}: the root span, or an empty span when the root has not arrived. */
    ROOT,
    /** The iteration variable of a {@code spans.exists} or {@code spans.all}. */
    ITERATED;

    SpanView span(TraceVariables variables, SpanView iterated) {
      return this == ROOT ? variables.rootSpan() : iterated;
    }

    @Override
    public String toString() {
      return this == ROOT ? "root" : "span";
    }
  }

  /** A constant, computed by CEL when the rule was loaded. */
  static WhenOperand constant(Object value) {
    return new Constant(value);
  }

  /** A CEL int or duration, read as a primitive: the int, or the duration in nanoseconds. */
  abstract static class LongOperand extends WhenOperand {
    private final boolean duration;

    LongOperand(boolean duration) {
      this.duration = duration;
    }

    abstract long readLong(TraceVariables variables, SpanView span);

    /** Whether the value is a duration in nanoseconds rather than an int. */
    final boolean isDuration() {
      return duration;
    }

    @Override
    Object read(TraceVariables variables, SpanView span) {
      long value = readLong(variables, span);
      return duration ? Duration.ofNanos(value) : (Object) value;
    }
  }

  /** An int constant, or a duration constant of at most {@link Long#MAX_VALUE} nanoseconds. */
  static LongOperand longConstant(long value, boolean duration) {
    Object boxed = duration ? Duration.ofNanos(value) : (Object) value;
    return new LongOperand(duration) {
      @Override
      long readLong(TraceVariables variables, SpanView span) {
        return value;
      }

      @Override
      Object read(TraceVariables variables, SpanView span) {
        return boxed;
      }

      @Override
      public String toString() {
        return ValueFormatter.format(boxed);
      }
    };
  }

  /** A field of {@code trace}, or null for a name that is not one. */
  static WhenOperand traceField(String field) {
    boolean duration = field.equals("duration");
    ToLongFunction<TraceView> longField =
        duration ? TraceView::durationNanos : TRACE_INT_FIELDS.get(field);
    if (longField != null) {
      return new LongOperand(duration) {
        @Override
        long readLong(TraceVariables variables, SpanView span) {
          return longField.applyAsLong(variables.trace());
        }

        @Override
        public String toString() {
          return "trace." + field;
        }
      };
    }
    Function<TraceView, Object> objectField = TRACE_OBJECT_FIELDS.get(field);
    if (objectField == null) {
      return null;
    }
    return new WhenOperand() {
      @Override
      Object read(TraceVariables variables, SpanView span) {
        return objectField.apply(variables.trace());
      }

      @Override
      public String toString() {
        return "trace." + field;
      }
    };
  }

  /**
   * A scalar field of a span ({@code service}, {@code name}, {@code kind}, {@code status} or
   * {@code duration}), or null for another name.
   */
  static WhenOperand spanField(SpanSource source, String field) {
    if (field.equals("duration")) {
      return new LongOperand(true) {
        @Override
        long readLong(TraceVariables variables, SpanView span) {
          return source.span(variables, span).durationNanos();
        }

        @Override
        public String toString() {
          return source + ".duration";
        }
      };
    }
    Function<SpanView, String> stringField = SPAN_STRING_FIELDS.get(field);
    if (stringField == null) {
      return null;
    }
    return new WhenOperand() {
      @Override
      Object read(TraceVariables variables, SpanView span) {
        return stringField.apply(source.span(variables, span));
      }

      @Override
      public String toString() {
        return source + "." + field;
      }
    };
  }

  /** The attributes ({@code resource} false) or resource attributes of a span, as CEL has them. */
  static AttributeMapValue attributes(
      TraceVariables variables, SpanView iterated, SpanSource source, boolean resource) {
    SpanView span = source.span(variables, iterated);
    return resource ? SpanValue.celResource(span) : SpanValue.celAttributes(span);
  }

  /** {@code span.attributes[key]} or {@code span.resource[key]}: {@link #MISSING} when absent. */
  static WhenOperand attribute(SpanSource source, boolean resource, String key) {
    return new Attribute(source, resource, key);
  }

  /** One attribute, which a predicate may also compare without reading it (see {@link #map}). */
  static final class Attribute extends WhenOperand {
    private final SpanSource source;
    private final boolean resource;
    private final String key;

    private Attribute(SpanSource source, boolean resource, String key) {
      this.source = source;
      this.resource = resource;
      this.key = key;
    }

    String key() {
      return key;
    }

    /** The attribute map the value is read from. */
    AttributeMapValue map(TraceVariables variables, SpanView span) {
      return attributes(variables, span, source, resource);
    }

    @Override
    Object read(TraceVariables variables, SpanView span) {
      // As CEL's selection: a key whose value is empty is no key (see AttributeMapValue).
      Object value = map(variables, span).get(key);
      return value != null ? value : MISSING;
    }

    @Override
    public String toString() {
      return source + (resource ? ".resource[" : ".attributes[") + ValueFormatter.literal(key)
          + ']';
    }
  }

  /** The value of a constant operand, or null for any other operand. */
  static Object constantValue(WhenOperand operand) {
    return operand instanceof Constant constant ? constant.value : null;
  }

  private static final class Constant extends WhenOperand {
    private final Object value;

    Constant(Object value) {
      this.value = value;
    }

    @Override
    Object read(TraceVariables variables, SpanView span) {
      return value;
    }

    @Override
    public String toString() {
      return ValueFormatter.format(value);
    }
  }
}
