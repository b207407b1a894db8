package io.tailstream.tracemetrics;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import java.util.Map;

/**
 * A fixed checkout trace for exact-value tests:
 *
 * <pre>
 * frontend  SERVER   GET /checkout  120 ms  (root)
 * frontend  CLIENT   POST /pay       80 ms
 *   payment SERVER   charge          60 ms  ERROR
 * frontend  CLIENT   SELECT orders    5 ms  db.system=postgresql, no callee: virtual node
 * payment   PRODUCER publish          3 ms
 *   ledger  CONSUMER record          30 ms
 * </pre>
 */
final class MetricsFixtures {
  static final long T0 = 1_700_000_000_000_000_000L;
  static final long MS = 1_000_000L;

  private MetricsFixtures() {}

  static TailstreamConfig.Metrics config(Map<String, String> overrides) {
    return ConfigLoader.fromMap(overrides).metrics();
  }

  static ByteString traceId(int n) {
    byte[] id = new byte[16];
    id[15] = (byte) n;
    id[0] = 0x4b;
    return ByteString.copyFrom(id);
  }

  static ByteString spanId(int n) {
    byte[] id = new byte[8];
    id[7] = (byte) n;
    return ByteString.copyFrom(id);
  }

  static TracesData checkout(int trace) {
    ByteString t = traceId(trace);
    Span root = span(t, 1, 0, "GET /checkout", Span.SpanKind.SPAN_KIND_SERVER, 0, 120, false);
    Span pay = span(t, 2, 1, "POST /pay", Span.SpanKind.SPAN_KIND_CLIENT, 10, 90, false);
    Span db = span(t, 3, 1, "SELECT orders", Span.SpanKind.SPAN_KIND_CLIENT, 95, 100, false)
        .toBuilder().addAttributes(attr("db.system", "postgresql")).build();
    Span charge = span(t, 4, 2, "charge", Span.SpanKind.SPAN_KIND_SERVER, 20, 80, true);
    Span publish = span(t, 5, 4, "publish", Span.SpanKind.SPAN_KIND_PRODUCER, 70, 73, false);
    Span record = span(t, 6, 5, "record", Span.SpanKind.SPAN_KIND_CONSUMER, 75, 105, false);
    return TracesData.newBuilder()
        .addResourceSpans(service("frontend", root, pay, db))
        .addResourceSpans(service("payment", charge, publish))
        .addResourceSpans(service("ledger", record))
        .build();
  }

  static ResourceSpans service(String name, Span... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span s : spans) {
      scope.addSpans(s);
    }
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", name))
            .addAttributes(attr("deployment.environment", "prod")))
        .addScopeSpans(scope)
        .build();
  }

  static Span span(ByteString trace, int id, int parent, String name, Span.SpanKind kind,
      long startMs, long endMs, boolean error) {
    Span.Builder b = Span.newBuilder()
        .setTraceId(trace)
        .setSpanId(spanId(id))
        .setName(name)
        .setKind(kind)
        .setStartTimeUnixNano(T0 + startMs * MS)
        .setEndTimeUnixNano(T0 + endMs * MS);
    if (parent != 0) {
      b.setParentSpanId(spanId(parent));
    }
    if (error) {
      b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    return b.build();
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
