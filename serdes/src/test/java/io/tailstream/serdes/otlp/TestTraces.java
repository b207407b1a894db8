package io.tailstream.serdes.otlp;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test-data builders for OTLP traces, with fixed IDs. */
final class TestTraces {
  static final long BASE_NANOS = 1_700_000_000_000_000_000L;

  private TestTraces() {}

  /** A non-zero trace ID whose hex form ends with {@code n}. */
  static ByteString traceId(int n) {
    byte[] id = TraceIds.fromHex("4bf92f3577b34da6a3ce929d0e0e0000");
    id[14] = (byte) (n >> 8);
    id[15] = (byte) n;
    return ByteString.copyFrom(id);
  }

  static ByteString spanId(int n) {
    return ByteString.copyFrom(
        new byte[] {
          0x00, (byte) 0xf0, 0x67, (byte) 0xaa, 0x0b, (byte) 0xa9, (byte) (n >> 8), (byte) n
        });
  }

  /**
   * A span of trace {@code trace} numbered {@code n}, child of span {@code parent} (0 for root).
   */
  static Span.Builder span(int trace, int n, int parent) {
    Span.Builder span =
        Span.newBuilder()
            .setTraceId(traceId(trace))
            .setSpanId(spanId(n))
            .setName("span-" + n)
            .setKind(parent == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(BASE_NANOS + n * 1_000L)
            .setEndTimeUnixNano(BASE_NANOS + n * 1_000L + 500L)
            .setFlags(0x301);
    if (parent != 0) {
      span.setParentSpanId(spanId(parent));
    }
    return span;
  }

  static KeyValue attribute(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static KeyValue attribute(String key, String value) {
    return attribute(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  /** One attribute of every AnyValue type, nested ones included. */
  static List<KeyValue> attributesOfEveryType() {
    AnyValue string = AnyValue.newBuilder().setStringValue("GET /checkout ✓").build();
    AnyValue bool = AnyValue.newBuilder().setBoolValue(true).build();
    AnyValue integer = AnyValue.newBuilder().setIntValue(-42).build();
    AnyValue dbl = AnyValue.newBuilder().setDoubleValue(3.25).build();
    AnyValue bytes =
        AnyValue.newBuilder()
            .setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff}))
            .build();
    AnyValue array =
        AnyValue.newBuilder()
            .setArrayValue(
                ArrayValue.newBuilder().addValues(string).addValues(integer).addValues(bytes))
            .build();
    AnyValue kvlist =
        AnyValue.newBuilder()
            .setKvlistValue(
                KeyValueList.newBuilder()
                    .addValues(attribute("nested.bool", bool))
                    .addValues(attribute("nested.array", array)))
            .build();
    return List.of(
        attribute("http.route", string),
        attribute("retry", bool),
        attribute("http.status_code", integer),
        attribute("ratio", dbl),
        attribute("payload", bytes),
        attribute("tags", array),
        attribute("map", kvlist),
        KeyValue.newBuilder().setKey("empty").build());
  }

  static Resource resource(String service) {
    return Resource.newBuilder()
        .addAttributes(attribute("service.name", service))
        .addAttributes(attribute("host.name", "host-1"))
        .setDroppedAttributesCount(1)
        .build();
  }

  static InstrumentationScope scope(String name) {
    return InstrumentationScope.newBuilder()
        .setName(name)
        .setVersion("1.2.3")
        .addAttributes(attribute("scope.attr", "x"))
        .build();
  }

  /**
   * Three resources, several scopes and four traces interleaved, with events, links, statuses,
   * attributes of every type, schema URLs and an empty scope and resource.
   */
  static TracesData richRecord() {
    Span checkoutRoot =
        span(1, 1, 0)
            .addAllAttributes(attributesOfEveryType())
            .addEvents(
                Span.Event.newBuilder()
                    .setName("exception")
                    .setTimeUnixNano(BASE_NANOS + 10)
                    .addAttributes(attribute("exception.type", "IOException")))
            .setStatus(
                Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
            .setTraceState("vendor=x")
            .build();
    Span checkoutChild =
        span(1, 2, 1)
            .addLinks(
                Span.Link.newBuilder()
                    .setTraceId(traceId(3))
                    .setSpanId(spanId(30))
                    .setTraceState("ot=th:8")
                    .addAttributes(attribute("link.kind", "follows")))
            .setDroppedAttributesCount(2)
            .setDroppedEventsCount(1)
            .setDroppedLinksCount(3)
            .build();
    Span paymentChild =
        span(2, 20, 21)
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
            .build();
    Span paymentRoot = span(2, 21, 0).setStartTimeUnixNano(0).build();
    Span batchSpan = span(3, 30, 0).setEndTimeUnixNano(0).build();
    Span fraudSpan =
        span(4, 40, 41)
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR))
            .build();
    Span checkoutGrandchild = span(1, 3, 2).setKind(Span.SpanKind.SPAN_KIND_INTERNAL).build();
    return TracesData.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(resource("checkout"))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .setScope(scope("io.opentelemetry.servlet"))
                        .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
                        .addSpans(checkoutRoot)
                        .addSpans(paymentChild)
                        .addSpans(checkoutChild))
                .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("empty.scope")))
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .setScope(scope("io.opentelemetry.jdbc"))
                        .addSpans(batchSpan)
                        .addSpans(checkoutGrandchild)))
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("idle")))
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(resource("payment"))
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .addSpans(paymentRoot)
                        .addSpans(fraudSpan)
                        .addSpans(span(1, 4, 1))))
        .build();
  }

  /**
   * Splits with protobuf-java builders: for each trace ID in first-seen order, its spans under a
   * copy of their resource spans and scope spans.
   */
  static Map<ByteString, TracesData> referenceSplit(TracesData data) {
    Map<ByteString, TracesData.Builder> builders = new LinkedHashMap<>();
    for (ResourceSpans resourceSpans : data.getResourceSpansList()) {
      Map<ByteString, ResourceSpans.Builder> byTrace = new LinkedHashMap<>();
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        Map<ByteString, ScopeSpans.Builder> scopeByTrace = new LinkedHashMap<>();
        for (Span span : scopeSpans.getSpansList()) {
          builders.computeIfAbsent(span.getTraceId(), id -> TracesData.newBuilder());
          scopeByTrace
              .computeIfAbsent(span.getTraceId(), id -> scopeSpans.toBuilder().clearSpans())
              .addSpans(span);
        }
        scopeByTrace.forEach(
            (id, scope) ->
                byTrace
                    .computeIfAbsent(id, i -> resourceSpans.toBuilder().clearScopeSpans())
                    .addScopeSpans(scope));
      }
      byTrace.forEach((id, resource) -> builders.get(id).addResourceSpans(resource));
    }
    Map<ByteString, TracesData> split = new LinkedHashMap<>();
    builders.forEach((id, builder) -> split.put(id, builder.build()));
    return split;
  }

  static List<Span> allSpans(TracesData data) {
    List<Span> spans = new ArrayList<>();
    data.getResourceSpansList()
        .forEach(r -> r.getScopeSpansList().forEach(s -> spans.addAll(s.getSpansList())));
    return spans;
  }
}
