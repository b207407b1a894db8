package io.tailstream.rules;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds OTLP traces for tests, with fixed IDs and times.
 *
 * <pre>{@code
 * TraceView trace = TestTraces.trace()
 *     .span(span("frontend", "GET /checkout").kind(SERVER).duration(ofMillis(120)))
 *     .span(span("checkout", "charge").error())
 *     .view();
 * }</pre>
 *
 * <p>The first span is the root unless {@link TraceBuilder#withoutRoot()} is called; every other
 * span is its child. Span IDs are 0000000000000001, 0000000000000002, and so on.
 */
final class TestTraces {

  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  /** 2023-11-14T22:13:20Z, in nanoseconds since the epoch. */
  static final long BASE_START_NANOS = 1_700_000_000_000_000_000L;

  private TestTraces() {}

  static TraceBuilder trace() {
    return new TraceBuilder();
  }

  static SpanBuilder span(String service, String name) {
    return new SpanBuilder(service, name);
  }

  static AnyValue anyValue(Object value) {
    AnyValue.Builder builder = AnyValue.newBuilder();
    if (value instanceof String) {
      builder.setStringValue((String) value);
    } else if (value instanceof Boolean) {
      builder.setBoolValue((Boolean) value);
    } else if (value instanceof Integer || value instanceof Long) {
      builder.setIntValue(((Number) value).longValue());
    } else if (value instanceof Double) {
      builder.setDoubleValue((Double) value);
    } else if (value instanceof byte[]) {
      builder.setBytesValue(ByteString.copyFrom((byte[]) value));
    } else if (value instanceof List) {
      ArrayValue.Builder array = ArrayValue.newBuilder();
      for (Object element : (List<?>) value) {
        array.addValues(anyValue(element));
      }
      builder.setArrayValue(array);
    } else if (value instanceof Map) {
      KeyValueList.Builder list = KeyValueList.newBuilder();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        list.addValues(keyValue((String) entry.getKey(), entry.getValue()));
      }
      builder.setKvlistValue(list);
    } else if (value != null) {
      throw new IllegalArgumentException("no OTLP type for " + value.getClass());
    }
    return builder.build();
  }

  static KeyValue keyValue(String key, Object value) {
    return KeyValue.newBuilder().setKey(key).setValue(anyValue(value)).build();
  }

  static final class TraceBuilder {
    private String traceId = TRACE_ID;
    private boolean withoutRoot;
    private final List<SpanBuilder> spans = new ArrayList<>();

    TraceBuilder traceId(String hex) {
      this.traceId = hex;
      return this;
    }

    /** Gives the first span a parent that is not in the trace. */
    TraceBuilder withoutRoot() {
      this.withoutRoot = true;
      return this;
    }

    TraceBuilder span(SpanBuilder span) {
      spans.add(span);
      return this;
    }

    /** Spans with the same resource share one {@code ResourceSpans}, as SDKs export them. */
    TracesData build() {
      ByteString id = ByteString.copyFrom(HexFormat.of().parseHex(traceId));
      Map<Resource, ScopeSpans.Builder> byResource = new LinkedHashMap<>();
      for (int i = 0; i < spans.size(); i++) {
        SpanBuilder builder = spans.get(i);
        String parent;
        if (builder.parentSpanId != null) {
          parent = builder.parentSpanId;
        } else if (i == 0) {
          parent = withoutRoot ? "ffffffffffffffff" : "";
        } else {
          parent = spanId(1);
        }
        Span span = builder.toSpan(id, spanId(i + 1), parent);
        byResource
            .computeIfAbsent(
                builder.resource(),
                r ->
                    ScopeSpans.newBuilder()
                        .setScope(InstrumentationScope.newBuilder().setName("test")))
            .addSpans(span);
      }
      TracesData.Builder data = TracesData.newBuilder();
      byResource.forEach(
          (resource, scopeSpans) ->
              data.addResourceSpans(
                  ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scopeSpans)));
      return data.build();
    }

    TraceView view() {
      return view(CompletionReason.IDLE);
    }

    TraceView view(CompletionReason completion) {
      return OtlpTraceView.of(build(), completion);
    }

    private static String spanId(int index) {
      return String.format("%016x", index);
    }
  }

  static final class SpanBuilder {
    private final String service;
    private final String name;
    private Span.SpanKind kind = Span.SpanKind.SPAN_KIND_INTERNAL;
    private Status.StatusCode status = Status.StatusCode.STATUS_CODE_UNSET;
    private Duration start = Duration.ZERO;
    private Duration duration = Duration.ofMillis(10);
    private long[] absoluteTimestamps;
    private String traceState = "";
    private String parentSpanId;
    private final List<KeyValue> attributes = new ArrayList<>();
    private final List<KeyValue> resourceAttributes = new ArrayList<>();

    private SpanBuilder(String service, String name) {
      this.service = service;
      this.name = name;
    }

    SpanBuilder kind(Span.SpanKind kind) {
      this.kind = kind;
      return this;
    }

    SpanBuilder status(Status.StatusCode status) {
      this.status = status;
      return this;
    }

    SpanBuilder error() {
      return status(Status.StatusCode.STATUS_CODE_ERROR);
    }

    /** Start, relative to {@link #BASE_START_NANOS}. */
    SpanBuilder start(Duration start) {
      this.start = start;
      return this;
    }

    /** End minus start; may be negative to model a broken clock. */
    SpanBuilder duration(Duration duration) {
      this.duration = duration;
      return this;
    }

    /** Absolute start and end, in Unix nanoseconds, overriding start and duration; may be 0. */
    SpanBuilder timestamps(long startUnixNano, long endUnixNano) {
      this.absoluteTimestamps = new long[] {startUnixNano, endUnixNano};
      return this;
    }

    SpanBuilder traceState(String traceState) {
      this.traceState = traceState;
      return this;
    }

    /** An explicit parent span ID in hex; "" makes this span a root. */
    SpanBuilder parent(String parentSpanId) {
      this.parentSpanId = parentSpanId;
      return this;
    }

    SpanBuilder attribute(String key, Object value) {
      attributes.add(keyValue(key, value));
      return this;
    }

    SpanBuilder resourceAttribute(String key, Object value) {
      resourceAttributes.add(keyValue(key, value));
      return this;
    }

    private Resource resource() {
      Resource.Builder resource = Resource.newBuilder();
      if (service != null) {
        resource.addAttributes(keyValue("service.name", service));
      }
      return resource.addAllAttributes(resourceAttributes).build();
    }

    private Span toSpan(ByteString traceId, String spanId, String parent) {
      long startNanos = BASE_START_NANOS + start.toNanos();
      return Span.newBuilder()
          .setTraceId(traceId)
          .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(spanId)))
          .setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex(parent)))
          .setName(name)
          .setKind(kind)
          .setStatus(Status.newBuilder().setCode(status))
          .setStartTimeUnixNano(absoluteTimestamps != null ? absoluteTimestamps[0] : startNanos)
          .setEndTimeUnixNano(
              absoluteTimestamps != null ? absoluteTimestamps[1] : startNanos + duration.toNanos())
          .setTraceState(traceState)
          .addAllAttributes(attributes)
          .build();
    }
  }
}
