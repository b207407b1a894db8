package io.tailstream.topology;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-data builder for OTLP traces: {@code TestTraces.trace("0af7...").root("frontend", "GET /")
 * .child("cart", "GET /cart").build()}.
 */
public final class TestTraces {
  private TestTraces() {}

  /** Starts a trace with a fixed 32-hex-digit ID. */
  public static TraceBuilder trace(String traceIdHex) {
    return new TraceBuilder(HexFormat.of().parseHex(traceIdHex));
  }

  /** A trace ID whose last 7 bytes (the OTel randomness) are all {@code randomnessByte}. */
  public static String traceIdWithRandomness(int prefix, int randomnessByte) {
    StringBuilder sb = new StringBuilder(String.format("%018x", prefix));
    for (int i = 0; i < 7; i++) {
      sb.append(String.format("%02x", randomnessByte));
    }
    return sb.toString();
  }

  /** Builds one span at a time; every span belongs to the same trace. */
  public static final class TraceBuilder {
    private final byte[] traceId;
    private final List<Map.Entry<String, Span>> spans = new ArrayList<>();
    private int nextSpanId = 1;
    private byte[] rootId;
    private long start = 1_700_000_000_000_000_000L;

    TraceBuilder(byte[] traceId) {
      this.traceId = traceId;
    }

    /** Moves the start of spans added from now on (default 2023-11-14T22:13:20Z). */
    public TraceBuilder startingAt(long startUnixNano) {
      this.start = startUnixNano;
      return this;
    }

    /** A child of the root (or an orphan) with explicit start and end; either may be 0. */
    public TraceBuilder spanAt(String service, String name, long startUnixNano, long endUnixNano) {
      byte[] parent = rootId != null ? rootId : spanId(0xfff);
      spans.add(Map.entry(service, span(spanId(nextSpanId++), parent, name,
          Span.SpanKind.SPAN_KIND_INTERNAL, startUnixNano, endUnixNano, false)));
      return this;
    }

    public TraceBuilder root(String service, String name, Object... attributes) {
      rootId = spanId(nextSpanId++);
      spans.add(Map.entry(service, span(rootId, null, name, Span.SpanKind.SPAN_KIND_SERVER,
          start, start + 10_000_000L, false, attributes)));
      return this;
    }

    /** A child of the root (or a parentless-looking child if there is no root: parent id 0xff..). */
    public TraceBuilder child(String service, String name, Object... attributes) {
      return timedChild(service, name, false, 1_000_000L, attributes);
    }

    public TraceBuilder errorChild(String service, String name) {
      return timedChild(service, name, true, 1_000_000L);
    }

    public TraceBuilder timedChild(String service, String name, boolean error, long durationNanos,
        Object... attributes) {
      byte[] parent = rootId != null ? rootId : spanId(0xfff);
      spans.add(Map.entry(service, span(spanId(nextSpanId++), parent, name,
          Span.SpanKind.SPAN_KIND_CLIENT, start + 1_000_000L, start + 1_000_000L + durationNanos,
          error, attributes)));
      return this;
    }

    private Span span(byte[] id, byte[] parent, String name, Span.SpanKind kind, long s, long e,
        boolean error, Object... attributes) {
      Span.Builder b = Span.newBuilder()
          .setTraceId(ByteString.copyFrom(traceId))
          .setSpanId(ByteString.copyFrom(id))
          .setName(name)
          .setKind(kind)
          .setStartTimeUnixNano(s)
          .setEndTimeUnixNano(e)
          .setStatus(Status.newBuilder().setCode(error
              ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET));
      if (parent != null) {
        b.setParentSpanId(ByteString.copyFrom(parent));
      }
      for (int i = 0; i < attributes.length; i += 2) {
        AnyValue.Builder v = AnyValue.newBuilder();
        Object value = attributes[i + 1];
        if (value instanceof Long || value instanceof Integer) {
          v.setIntValue(((Number) value).longValue());
        } else {
          v.setStringValue(String.valueOf(value));
        }
        b.addAttributes(KeyValue.newBuilder().setKey((String) attributes[i]).setValue(v));
      }
      return b.build();
    }

    private static byte[] spanId(int n) {
      return HexFormat.of().parseHex(String.format("%016x", n));
    }

    /** All spans in one export request. */
    public byte[] build() {
      return request(spans);
    }

    /** Span {@code i} alone in an export request. */
    public byte[] span(int i) {
      return request(List.of(spans.get(i)));
    }

    public int spanCount() {
      return spans.size();
    }
  }

  /** Several traces' spans in one export request, one resource per service. */
  public static byte[] combine(byte[]... requests) {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    for (byte[] r : requests) {
      try {
        b.mergeFrom(r);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalArgumentException(e);
      }
    }
    return b.build().toByteArray();
  }

  private static byte[] request(List<Map.Entry<String, Span>> spans) {
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    for (Map.Entry<String, Span> e : spans) {
      byService.computeIfAbsent(e.getKey(), k -> ScopeSpans.newBuilder()).addSpans(e.getValue());
    }
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    byService.forEach((service, scope) -> b.addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
        .addScopeSpans(scope)));
    return b.build().toByteArray();
  }
}
