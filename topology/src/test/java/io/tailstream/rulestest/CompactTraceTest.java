package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.TraceView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompactTraceTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final long START_NANOS = CompactTrace.START_EPOCH_SECONDS * 1_000_000_000L;

  private static CompactSpan.Builder span(String service, String name, long millis) {
    return CompactSpan.newBuilder(service, name, Duration.ofMillis(millis));
  }

  private static final CompactTrace CHECKOUT =
      new CompactTrace(
          CompletionReason.ROOT,
          TRACE_ID,
          List.of(
              span("checkout", "POST /checkout", 120)
                  .id("a")
                  .status(StatusCode.STATUS_CODE_ERROR)
                  .attribute("http.route", "/checkout")
                  .attribute("http.status_code", 500L)
                  .resourceAttribute("deployment.environment", "prod")
                  .build(),
              span("payments", "charge", 80)
                  .id("b")
                  .parent("a")
                  .start(Duration.ofMillis(10))
                  .build(),
              span("checkout", "SELECT orders", 5)
                  .parent("a")
                  .kind(SpanKind.SPAN_KIND_CLIENT)
                  .build()));

  private static Span spanNamed(TracesData data, String name) {
    return data.getResourceSpansList().stream()
        .flatMap(r -> r.getScopeSpansList().stream())
        .flatMap(s -> s.getSpansList().stream())
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  @Test
  void groupsSpansOfOneServiceUnderOneResource() {
    TracesData data = CHECKOUT.toTracesData();

    assertThat(data.getResourceSpansList())
        .extracting(r -> r.getResource().getAttributesList())
        .containsExactly(
            List.of(kv("service.name", "checkout"), kv("deployment.environment", "prod")),
            List.of(kv("service.name", "payments")));
    assertThat(data.getResourceSpans(0).getScopeSpans(0).getSpansList())
        .extracting(Span::getName)
        .containsExactly("POST /checkout", "SELECT orders");
  }

  @Test
  void numbersSpansInOrderAndLinksParentsByLocalId() {
    TracesData data = CHECKOUT.toTracesData();
    Span root = spanNamed(data, "POST /checkout");
    Span charge = spanNamed(data, "charge");
    Span query = spanNamed(data, "SELECT orders");

    assertThat(root.getSpanId()).isEqualTo(ByteString.fromHex("0000000000000001"));
    assertThat(root.getParentSpanId()).isEmpty();
    assertThat(charge.getSpanId()).isEqualTo(ByteString.fromHex("0000000000000002"));
    assertThat(charge.getParentSpanId()).isEqualTo(root.getSpanId());
    assertThat(query.getParentSpanId()).isEqualTo(root.getSpanId());
    assertThat(root.getTraceId()).isEqualTo(ByteString.fromHex(TRACE_ID));
  }

  @Test
  void givesRootsServerKindAndChildrenInternalKindByDefault() {
    TracesData data = CHECKOUT.toTracesData();

    assertThat(spanNamed(data, "POST /checkout").getKind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
    assertThat(spanNamed(data, "charge").getKind()).isEqualTo(SpanKind.SPAN_KIND_INTERNAL);
    assertThat(spanNamed(data, "SELECT orders").getKind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
  }

  @Test
  void placesSpansAtTheirOffsetFromAFixedStart() {
    Span charge = spanNamed(CHECKOUT.toTracesData(), "charge");

    assertThat(charge.getStartTimeUnixNano()).isEqualTo(START_NANOS + 10_000_000L);
    assertThat(charge.getEndTimeUnixNano()).isEqualTo(START_NANOS + 90_000_000L);
  }

  @Test
  void keepsStatusAndAttributeTypes() {
    Span root = spanNamed(CHECKOUT.toTracesData(), "POST /checkout");

    assertThat(root.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(root.getAttributesList())
        .containsExactly(
            kv("http.route", "/checkout"),
            KeyValue.newBuilder()
                .setKey("http.status_code")
                .setValue(AnyValue.newBuilder().setIntValue(500L))
                .build());
  }

  @Test
  void buildsAViewThatRulesSeeAsWritten() {
    TraceView view = CHECKOUT.fixture().view();

    assertThat(view.traceIdHex()).isEqualTo(TRACE_ID);
    assertThat(view.spanCount()).isEqualTo(3);
    assertThat(view.errorCount()).isEqualTo(1);
    assertThat(view.serviceCount()).isEqualTo(2);
    assertThat(view.durationNanos()).isEqualTo(120_000_000L);
    assertThat(view.completion()).isEqualTo(CompletionReason.ROOT);
    assertThat(view.root().orElseThrow().attributes())
        .containsExactly(Map.entry("http.route", "/checkout"), Map.entry("http.status_code", 500L));
  }

  @Test
  void convertsListAndMapAttributes() {
    CompactTrace trace =
        new CompactTrace(
            CompletionReason.IDLE,
            TRACE_ID,
            List.of(
                span("a", "x", 1)
                    .attribute("tags", List.of("x", 2L, 0.5, true))
                    .attribute("nested", Map.of("k", "v"))
                    .build()));

    TraceView view = trace.fixture().view();

    assertThat(view.spans().get(0).attributes())
        .containsEntry("tags", List.of("x", 2L, 0.5, true))
        .containsEntry("nested", Map.of("k", "v"));
  }

  @Test
  void takesAParentThatIsASpanIdAsOneOutsideTheTrace() {
    CompactTrace trace =
        new CompactTrace(
            CompletionReason.MAX_AGE,
            TRACE_ID,
            List.of(span("a", "orphan", 1).parent("00f067aa0ba902b7").build()));

    TraceView view = trace.fixture().view();

    assertThat(view.root()).isEmpty();
    assertThat(spanNamed(trace.toTracesData(), "orphan").getParentSpanId())
        .isEqualTo(ByteString.fromHex("00f067aa0ba902b7"));
  }

  @Test
  void derivesAStableTraceIdFromASeed() {
    assertThat(CompactTrace.traceIdFor("errors are kept"))
        .isEqualTo(CompactTrace.traceIdFor("errors are kept"))
        .isNotEqualTo(CompactTrace.traceIdFor("errors are dropped"))
        .matches("[0-9a-f]{32}");
  }

  @Test
  void rejectsAParentThatNamesNoSpan() {
    assertThatThrownBy(
            () ->
                new CompactTrace(
                    CompletionReason.IDLE,
                    TRACE_ID,
                    List.of(span("a", "x", 1).parent("b").build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no span has the id 'b'");
  }

  @Test
  void rejectsConflictingResourceAttributesOfOneService() {
    assertThatThrownBy(
            () ->
                new CompactTrace(
                    CompletionReason.IDLE,
                    TRACE_ID,
                    List.of(
                        span("a", "x", 1).resourceAttribute("env", "prod").build(),
                        span("a", "y", 1).resourceAttribute("env", "dev").build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spans of service 'a' give resource attribute 'env' different values");
  }

  @Test
  void rejectsABadTraceId() {
    assertThatThrownBy(
            () ->
                new CompactTrace(CompletionReason.IDLE, "abc", List.of(span("a", "x", 1).build())))
        .hasMessage("trace ID was 'abc' but it must be 32 hex digits");
    assertThatThrownBy(
            () ->
                new CompactTrace(
                    CompletionReason.IDLE, "0".repeat(32), List.of(span("a", "x", 1).build())))
        .hasMessage("the trace ID must not be all zeros");
  }

  @Test
  void keepsResourceSpansPerServiceInOrderOfAppearance() {
    List<ResourceSpans> resources = CHECKOUT.toTracesData().getResourceSpansList();

    assertThat(resources).hasSize(2);
    assertThat(resources.get(1).getScopeSpans(0).getScope().getName())
        .isEqualTo("tailstream-rules-test");
  }
}
