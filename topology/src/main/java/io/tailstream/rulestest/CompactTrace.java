package io.tailstream.rulestest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

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
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.rules.CompletionReason;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A trace written compactly, as in a rules cases file: spans with local IDs, services and durations
 * instead of OTLP's resource grouping, byte IDs and nanosecond timestamps.
 *
 * <p>{@link #toTracesData()} builds the OTLP spans. Spans of one service share one resource whose
 * {@code service.name} is the service and whose further attributes are the union of the spans'
 * {@code resource} maps. A {@code parent} names another span's {@code id}, or is a 16-hex-digit
 * span ID of a parent outside the trace. Span IDs are {@code 0000000000000001}, {@code
 * 0000000000000002}, ... in the order of {@code spans}. The trace starts at {@link
 * #START_EPOCH_SECONDS} and each span at its {@code start} offset from there.
 *
 * @param completion what {@code trace.completion} says
 * @param traceIdHex the trace ID, 32 hex digits
 * @param spans the spans, at least one
 */
public record CompactTrace(
    CompletionReason completion, String traceIdHex, List<CompactSpan> spans) {

  /** Where every compact trace starts: 2023-11-14T22:13:20Z, in seconds since the epoch. */
  public static final long START_EPOCH_SECONDS = 1_700_000_000L;

  private static final Pattern TRACE_ID = Pattern.compile("[0-9a-fA-F]{32}");
  private static final Pattern SPAN_ID = Pattern.compile("[0-9a-fA-F]{16}");
  private static final String SCOPE_NAME = "tailstream-rules-test";
  private static final int TRACE_ID_BYTES = 16;

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if the trace ID is not 32 hex digits or all zeros, there is no
   *     span, two spans have the same {@code id}, a {@code parent} names no span, or two spans of
   *     one service give one resource attribute different values
   */
  public CompactTrace {
    requireNonNull(completion, "completion");
    requireNonNull(traceIdHex, "traceIdHex");
    spans = List.copyOf(spans);
    if (!TRACE_ID.matcher(traceIdHex).matches()) {
      throw new IllegalArgumentException(
          "trace ID was '" + traceIdHex + "' but it must be 32 hex digits");
    }
    if (traceIdHex.chars().allMatch(c -> c == '0')) {
      throw new IllegalArgumentException("the trace ID must not be all zeros");
    }
    if (spans.isEmpty()) {
      throw new IllegalArgumentException("a trace needs at least one span");
    }
    Map<String, CompactSpan> byId = new HashMap<>();
    for (CompactSpan span : spans) {
      if (span.id() != null && byId.put(span.id(), span) != null) {
        throw new IllegalArgumentException("two spans have the id '" + span.id() + "'");
      }
    }
    for (CompactSpan span : spans) {
      if (span.parent() != null
          && !byId.containsKey(span.parent())
          && !isExternalSpanId(span.parent())) {
        throw new IllegalArgumentException("no span has the id '" + span.parent() + "'");
      }
    }
    resources(spans);
  }

  /**
   * Returns a trace ID that depends only on {@code seed}, such as a case name: the first 16 bytes
   * of its SHA-256, in hex.
   */
  public static String traceIdFor(String seed) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(UTF_8));
      return HexFormat.of().formatHex(Arrays.copyOf(digest, TRACE_ID_BYTES));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Returns whether a {@code parent} that names no span of the trace is a span ID: 16 hex digits,
   * not all zeros. Such a parent is outside the trace, which models a trace whose root is missing.
   */
  public static boolean isExternalSpanId(String parent) {
    return SPAN_ID.matcher(parent).matches() && !parent.chars().allMatch(c -> c == '0');
  }

  /** Builds the OTLP spans, one {@code ResourceSpans} per service in order of appearance. */
  public TracesData toTracesData() {
    ByteString traceId = ByteString.fromHex(traceIdHex.toLowerCase(Locale.ROOT));
    Map<String, String> spanIds = new HashMap<>();
    for (int i = 0; i < spans.size(); i++) {
      if (spans.get(i).id() != null) {
        spanIds.put(spans.get(i).id(), spanId(i));
      }
    }
    Map<String, Resource> resources = resources(spans);
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    for (int i = 0; i < spans.size(); i++) {
      CompactSpan span = spans.get(i);
      byService
          .computeIfAbsent(
              span.service(),
              service ->
                  ScopeSpans.newBuilder()
                      .setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME)))
          .addSpans(toSpan(span, traceId, spanId(i), spanIds));
    }
    TracesData.Builder data = TracesData.newBuilder();
    byService.forEach(
        (service, scopeSpans) ->
            data.addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(resources.get(service))
                    .addScopeSpans(scopeSpans)));
    return data.build();
  }

  /** Returns the OTLP spans and the completion reason, ready to evaluate. */
  public TraceFixture fixture() {
    return new TraceFixture(toTracesData(), completion);
  }

  private static Span toSpan(
      CompactSpan span, ByteString traceId, String spanId, Map<String, String> spanIds) {
    long start = START_EPOCH_SECONDS * 1_000_000_000L + span.start().toNanos();
    SpanKind kind = span.kind();
    if (kind == null) {
      kind = span.parent() == null ? SpanKind.SPAN_KIND_SERVER : SpanKind.SPAN_KIND_INTERNAL;
    }
    Span.Builder builder =
        Span.newBuilder()
            .setTraceId(traceId)
            .setSpanId(ByteString.fromHex(spanId))
            .setName(span.name())
            .setKind(kind)
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(start + span.duration().toNanos())
            .setStatus(Status.newBuilder().setCode(span.status()))
            .setTraceState(span.traceState());
    if (span.parent() != null) {
      String parentId = spanIds.get(span.parent());
      builder.setParentSpanId(
          ByteString.fromHex(parentId != null ? parentId : span.parent().toLowerCase(Locale.ROOT)));
    }
    span.attributes().forEach((key, value) -> builder.addAttributes(keyValue(key, value)));
    return builder.build();
  }

  /** The resource of each service: its name, then the union of its spans' resource maps. */
  private static Map<String, Resource> resources(List<CompactSpan> spans) {
    Map<String, Map<String, Object>> attributesByService = new LinkedHashMap<>();
    for (CompactSpan span : spans) {
      Map<String, Object> attributes =
          attributesByService.computeIfAbsent(span.service(), service -> new LinkedHashMap<>());
      span.resource()
          .forEach(
              (key, value) -> {
                Object previous = attributes.putIfAbsent(key, value);
                if (previous != null && !sameValue(previous, value)) {
                  throw new IllegalArgumentException(
                      "spans of service '"
                          + span.service()
                          + "' give resource attribute '"
                          + key
                          + "' different values");
                }
              });
    }
    Map<String, Resource> resources = new LinkedHashMap<>();
    attributesByService.forEach(
        (service, attributes) -> {
          Resource.Builder resource = Resource.newBuilder();
          if (!attributes.containsKey("service.name")) {
            resource.addAttributes(keyValue("service.name", service));
          }
          attributes.forEach((key, value) -> resource.addAttributes(keyValue(key, value)));
          resources.put(service, resource.build());
        });
    return resources;
  }

  private static boolean sameValue(Object a, Object b) {
    return a instanceof byte[] && b instanceof byte[]
        ? Arrays.equals((byte[]) a, (byte[]) b)
        : a.equals(b);
  }

  private static String spanId(int index) {
    return String.format("%016x", index + 1);
  }

  static KeyValue keyValue(String key, Object value) {
    return KeyValue.newBuilder().setKey(key).setValue(anyValue(value)).build();
  }

  /**
   * Converts an attribute value to OTLP.
   *
   * @throws IllegalArgumentException for a type OTLP has no value for
   */
  static AnyValue anyValue(Object value) {
    AnyValue.Builder builder = AnyValue.newBuilder();
    if (value instanceof String) {
      builder.setStringValue((String) value);
    } else if (value instanceof Boolean) {
      builder.setBoolValue((Boolean) value);
    } else if (value instanceof Long || value instanceof Integer) {
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
        list.addValues(keyValue(String.valueOf(entry.getKey()), entry.getValue()));
      }
      builder.setKvlistValue(list);
    } else {
      throw new IllegalArgumentException(
          "an attribute value must be a string, int, double, bool, bytes, list or map, but it is "
              + (value == null ? "null" : value.getClass().getSimpleName()));
    }
    return builder.build();
  }
}
