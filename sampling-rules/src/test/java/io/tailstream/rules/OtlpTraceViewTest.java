package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.BASE_START_NANOS;
import static io.tailstream.rules.TestTraces.span;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpTraceViewTest {

  @Test
  void summarisesTheTrace() {
    TraceView trace =
        TestTraces.trace()
            .span(span("frontend", "GET /checkout").start(ofMillis(0)).duration(ofMillis(100)))
            .span(span("checkout", "charge").start(ofMillis(20)).duration(ofMillis(150)).error())
            .span(span("checkout", "reserve").start(ofMillis(30)).duration(ofMillis(10)).error())
            .span(span("payments", "authorize").start(ofMillis(40)).duration(ofMillis(5)))
            .view(CompletionReason.ROOT);

    assertThat(trace.traceIdHex()).isEqualTo(TestTraces.TRACE_ID);
    assertThat(trace.traceId()).isEqualTo(HexFormat.of().parseHex(TestTraces.TRACE_ID));
    assertThat(trace.spanCount()).isEqualTo(4);
    assertThat(trace.errorCount()).isEqualTo(2);
    assertThat(trace.serviceCount()).isEqualTo(3);
    assertThat(trace.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(trace.durationNanos()).isEqualTo(ofMillis(170).toNanos());
    assertThat(trace.completion()).isEqualTo(CompletionReason.ROOT);
    assertThat(trace.root()).map(SpanView::name).contains("GET /checkout");
    assertThat(trace.spans())
        .extracting(SpanView::service)
        .containsExactly("frontend", "checkout", "checkout", "payments");
  }

  @Test
  void picksTheEarliestOfSeveralParentlessSpansAsRoot() {
    TraceView trace =
        TestTraces.trace()
            .span(span("frontend", "late root").start(ofMillis(50)))
            .span(span("batch", "early root").parent("").start(ofMillis(10)))
            .span(span("batch", "child").start(ofMillis(5)))
            .view();

    assertThat(trace.root()).map(SpanView::name).contains("early root");
  }

  @Test
  void hasNoRootWhenEverySpanHasAParent() {
    TraceView trace =
        TestTraces.trace().withoutRoot().span(span("a", "x")).span(span("b", "y")).view();

    assertThat(trace.root()).isEmpty();
  }

  @Test
  void clampsNegativeDurationsAtZero() {
    TraceView trace =
        TestTraces.trace().span(span("a", "broken clock").duration(ofMillis(-5))).view();

    assertThat(trace.durationNanos()).isZero();
    assertThat(trace.spans().get(0).durationNanos()).isZero();
    assertThat(((OtlpTraceView) trace).clockSkew())
        .isEqualTo(new OtlpTraceView.ClockSkew(0, 0, 1));
  }

  @Test
  void countsASpanEndingBeforeItStartsAsEndingAtItsStart() {
    TraceView trace =
        TestTraces.trace()
            .span(span("a", "root").start(ofMillis(0)).duration(ofMillis(100)))
            .span(span("b", "broken clock").start(ofMillis(150)).duration(ofMillis(-140)))
            .view();

    assertThat(trace.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(trace.durationNanos()).isEqualTo(ofMillis(150).toNanos());
    assertThat(trace.spans().get(1).durationNanos()).isZero();
  }

  @Test
  void leavesZeroTimestampsOutOfTheTraceStartAndEnd() {
    long end = BASE_START_NANOS + ofMillis(100).toNanos();
    TraceView trace =
        TestTraces.trace()
            .span(span("a", "root").start(ofMillis(0)).duration(ofMillis(100)))
            .span(span("a", "child").start(ofMillis(10)).duration(ofMillis(20)))
            .span(span("b", "unset start").timestamps(0, end))
            .span(span("c", "unset end").timestamps(BASE_START_NANOS + 10, 0))
            .span(span("d", "clock never set").timestamps(1_000_000_000L, 2_000_000_000L))
            .view();

    assertThat(trace.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(trace.durationNanos()).isEqualTo(ofMillis(100).toNanos());
    assertThat(trace.spans()).extracting(SpanView::durationNanos)
        .containsExactly(ofMillis(100).toNanos(), ofMillis(20).toNanos(), 0L, 0L,
            1_000_000_000L);
    // A clock that was never set reads 1970: far from the other spans, so an outlier.
    assertThat(((OtlpTraceView) trace).clockSkew())
        .isEqualTo(new OtlpTraceView.ClockSkew(2, 1, 0));
  }

  @Test
  void readsTimestampsAbove2To63AsImplausible() {
    TraceView trace =
        TestTraces.trace()
            .span(span("a", "root").start(ofMillis(0)).duration(ofMillis(100)))
            .span(span("b", "overflowed").timestamps(BASE_START_NANOS, -5L))
            .view();

    assertThat(trace.durationNanos()).isEqualTo(ofMillis(100).toNanos());
    assertThat(trace.spans().get(1).durationNanos()).isZero();
    assertThat(((OtlpTraceView) trace).clockSkew().zeroTimestamp()).isEqualTo(1);
  }

  @Test
  void hasZeroStartAndDurationWhenNoSpanHasPlausibleTimestamps() {
    TraceView trace =
        TestTraces.trace().span(span("a", "x").timestamps(0, 0)).span(span("b", "y")
            .timestamps(0, BASE_START_NANOS)).view();

    assertThat(trace.startUnixNano()).isZero();
    assertThat(trace.durationNanos()).isZero();
  }

  @Test
  void leavesSpansHoursInTheFutureOrPastOutOfTheTraceStartAndEnd() {
    TraceView trace =
        TestTraces.trace()
            .span(span("a", "root").start(ofMillis(0)).duration(ofMillis(100)))
            .span(span("b", "child").start(ofMillis(10)).duration(ofMillis(50)))
            .span(span("c", "future").start(ofHours(3)).duration(ofMillis(20)))
            .span(span("d", "past").start(ofHours(-5)).duration(ofMillis(30)))
            .view();

    assertThat(trace.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(trace.durationNanos()).isEqualTo(ofMillis(100).toNanos());
    assertThat(trace.spans()).extracting(SpanView::durationNanos)
        .containsExactly(ofMillis(100).toNanos(), ofMillis(50).toNanos(),
            ofMillis(20).toNanos(), ofMillis(30).toNanos());
    assertThat(((OtlpTraceView) trace).clockSkew())
        .isEqualTo(new OtlpTraceView.ClockSkew(0, 2, 0));
  }

  @Test
  void keepsALongRunningRootThatStartedHoursBeforeItsChildren() {
    TraceView trace =
        TestTraces.trace()
            .span(span("a", "batch job").start(ofHours(-2)).duration(ofHours(2).plusMillis(100)))
            .span(span("b", "last step").start(ofMillis(10)).duration(ofMillis(50)))
            .span(span("b", "cleanup").start(ofMillis(60)).duration(ofMillis(30)))
            .view();

    assertThat(trace.startUnixNano()).isEqualTo(BASE_START_NANOS - ofHours(2).toNanos());
    assertThat(trace.durationNanos()).isEqualTo(ofHours(2).plusMillis(100).toNanos());
    assertThat(((OtlpTraceView) trace).clockSkew()).isEqualTo(OtlpTraceView.ClockSkew.NONE);
  }

  @Test
  void usesTheConfiguredClockSkewBound() {
    TracesData data =
        TestTraces.trace()
            .span(span("a", "root").start(ofMillis(0)).duration(ofMillis(100)))
            .span(span("b", "child").start(ofMillis(10)).duration(ofMillis(50)))
            .span(span("c", "two hours on").start(ofHours(2)).duration(ofMillis(20)))
            .build();

    OtlpTraceView tight = OtlpTraceView.of(data, CompletionReason.IDLE);
    OtlpTraceView loose = OtlpTraceView.of(data, CompletionReason.IDLE, ofHours(3));

    assertThat(tight.durationNanos()).isEqualTo(ofMillis(100).toNanos());
    assertThat(loose.durationNanos()).isEqualTo(ofHours(2).plusMillis(20).toNanos());
    assertThat(loose.clockSkew()).isEqualTo(OtlpTraceView.ClockSkew.NONE);
    assertThatThrownBy(() -> OtlpTraceView.of(data, CompletionReason.IDLE, ofHours(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxClockSkew must be positive");
  }

  @Test
  void startsTheTraceAtAChildThatStartsBeforeItsRoot() {
    TraceView trace =
        TestTraces.trace()
            .span(span("a", "root").start(ofMillis(30)).duration(ofMillis(100)))
            .span(span("b", "early child").start(ofMillis(0)).duration(ofMillis(50)))
            .view();

    assertThat(trace.root()).map(SpanView::name).contains("root");
    assertThat(trace.root()).map(SpanView::durationNanos).contains(ofMillis(100).toNanos());
    assertThat(trace.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(trace.durationNanos()).isEqualTo(ofMillis(130).toNanos());
    assertThat(((OtlpTraceView) trace).clockSkew()).isEqualTo(OtlpTraceView.ClockSkew.NONE);
  }

  @Test
  void mapsKindsAndStatuses() {
    TraceView trace =
        TestTraces.trace()
            .span(
                span("a", "1")
                    .kind(Span.SpanKind.SPAN_KIND_SERVER)
                    .status(Status.StatusCode.STATUS_CODE_OK))
            .span(span("a", "2").kind(Span.SpanKind.SPAN_KIND_CLIENT).error())
            .span(span("a", "3").kind(Span.SpanKind.SPAN_KIND_PRODUCER))
            .span(span("a", "4").kind(Span.SpanKind.SPAN_KIND_CONSUMER))
            .span(span("a", "5").kind(Span.SpanKind.SPAN_KIND_INTERNAL))
            .span(span("a", "6").kind(Span.SpanKind.SPAN_KIND_UNSPECIFIED))
            .view();

    assertThat(trace.spans())
        .extracting(SpanView::kind)
        .containsExactly("SERVER", "CLIENT", "PRODUCER", "CONSUMER", "INTERNAL", "UNSPECIFIED");
    assertThat(trace.spans())
        .extracting(SpanView::status)
        .containsExactly("OK", "ERROR", "UNSET", "UNSET", "UNSET", "UNSET");
  }

  @Test
  void keepsOtlpAttributeTypes() {
    TraceView trace =
        TestTraces.trace()
            .span(
                span("a", "x")
                    .attribute("string", "v")
                    .attribute("int", 7L)
                    .attribute("double", 2.5)
                    .attribute("bool", true)
                    .attribute("bytes", new byte[] {1, 2})
                    .attribute("array", List.of("a", 1L))
                    .attribute("kvlist", Map.of("inner", 3L))
                    .resourceAttribute("deployment.environment", "prod"))
            .view();

    SpanView span = trace.spans().get(0);
    assertThat(span.attributes())
        .containsExactly(
            Map.entry("string", "v"),
            Map.entry("int", 7L),
            Map.entry("double", 2.5),
            Map.entry("bool", true),
            Map.entry("bytes", ByteString.copyFrom(new byte[] {1, 2})),
            Map.entry("array", List.of("a", 1L)),
            Map.entry("kvlist", Map.of("inner", 3L)));
    assertThat(span.resource())
        .containsExactly(
            Map.entry("service.name", "a"), Map.entry("deployment.environment", "prod"));
  }

  @Test
  void usesAnEmptyServiceWhenServiceNameIsAbsent() {
    TraceView trace = TestTraces.trace().span(span(null, "x")).view();

    assertThat(trace.spans().get(0).service()).isEmpty();
    assertThat(trace.serviceCount()).isEqualTo(1);
  }

  @Test
  void rejectsDataWithoutSpans() {
    assertThatThrownBy(
            () -> OtlpTraceView.of(TracesData.getDefaultInstance(), CompletionReason.IDLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a trace needs at least one span");
  }

  @Test
  void rejectsSpansOfTwoTraces() {
    TracesData first = TestTraces.trace().span(span("a", "x")).build();
    TracesData second =
        TestTraces.trace().traceId("0af7651916cd43dd8448eb211c80319c").span(span("a", "y")).build();
    TracesData both =
        TracesData.newBuilder()
            .addAllResourceSpans(first.getResourceSpansList())
            .addAllResourceSpans(second.getResourceSpansList())
            .build();

    assertThatThrownBy(() -> OtlpTraceView.of(both, CompletionReason.IDLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the spans belong to more than one trace");
  }

  @Test
  void rejectsATraceIdThatIsNot16Bytes() {
    TracesData data = TestTraces.trace().traceId("0102030405060708").span(span("a", "x")).build();

    assertThatThrownBy(() -> OtlpTraceView.of(data, CompletionReason.IDLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the trace ID has 8 bytes but it must have 16");
  }

  @Test
  void readsSpansOfSeveralResourcesAndScopes() {
    TracesData data =
        TestTraces.trace()
            .span(span("frontend", "a"))
            .span(span("checkout", "b"))
            .span(span("frontend", "c"))
            .build();

    assertThat(data.getResourceSpansList()).hasSize(2);
    assertThat(data.getResourceSpansList())
        .extracting(ResourceSpans::getScopeSpansCount)
        .containsOnly(1);
    assertThat(OtlpTraceView.of(data, CompletionReason.IDLE).spans())
        .extracting(SpanView::name)
        .containsExactly("a", "c", "b");
  }
}
