package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.BASE_START_NANOS;
import static io.tailstream.rules.TestTraces.span;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link WireTraceView} must see exactly what {@link OtlpTraceView} sees of the same bytes parsed
 * by protobuf-java: these tests compare the two on random traces and on wire encodings that
 * protobuf-java accepts but a hand-written reader could get wrong.
 */
class WireTraceViewTest {

  private static final byte[] EMPTY = new byte[0];

  private static final ByteString TRACE_ID =
      ByteString.copyFrom(HexFormat.of().parseHex(TestTraces.TRACE_ID));

  private static final List<Duration> SKEWS =
      List.of(
          OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW,
          Duration.ofMinutes(1),
          Duration.ofNanos(1),
          Duration.ofHours(5),
          Duration.ofSeconds(Long.MAX_VALUE));

  private static final List<String> SERVICES =
      List.of("frontend", "checkout", "ünïcødé", "🚀 rockets", "");

  private static final List<String> NAMES =
      List.of("GET /checkout", "charge", "", "ünïcødé", "名前", "x".repeat(200));

  private static final List<String> KEYS =
      List.of(
          "k", "a", "", "http.route", "http", "http.route.long", "ünïcødé", "emoji🚀", "é", "e",
          "日本", "service.name");

  private static final List<String> RESOURCE_KEYS =
      List.of("service.name", "deployment.environment", "ünïcødé", "", "k");

  /** Keys to look up besides those present: absent ones, and near misses of present ones. */
  private static final List<String> PROBES =
      List.of(
          "absent", "K", "ünïcödé", "ünïcødé\u0000", "emoji🚁", "e\u0301", "\uD83D", "日本語",
          "http.rout", "http.routee", "service.nam", "x".repeat(300), "", "é", "ünïcødé");

  private static final List<Object> STRINGS =
      List.of(
          "", "a", "/checkout", "ünïcødé", "🚀🔥 emoji", "quote\" back\\ control\u0001\n",
          "日本語", "\u0000", "y".repeat(300));

  private static final List<Object> NUMBERS =
      List.of(
          0L, 1L, -1L, 500L, Long.MAX_VALUE, Long.MIN_VALUE, 0.0, -0.0, Double.NaN, 2.5,
          Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, 9.3e18);

  private static final List<String> TRACE_STATES =
      List.of("", "rojo=00f067aa0ba902b7", "ünï=1,congo=t61rcWkgMzE");

  // ---------------------------------------------------------------------------------------------
  // Differential tests on random traces

  @Test
  void readsTheSameSpansAsProtobufJava() {
    for (long seed = 0; seed < 400; seed++) {
      Random random = new Random(seed);
      byte[] bytes = randomTrace(random);
      assertSameAsParsed(bytes, pick(random, SKEWS), "seed " + seed);
    }
  }

  @Test
  void readsTheSameTraceWhateverTheSpansAreGroupedAndFragmentedInto() {
    for (long seed = 1000; seed < 1100; seed++) {
      Random random = new Random(seed);
      TracesData data = scramble(random, randomTraceData(random));
      byte[] whole = data.toByteArray();
      byte[] fragments = fragments(data, true);
      byte[] regrouped = oneResourceSpansPerSpan(data);
      assertSameAsParsed(whole, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "seed " + seed);
      assertSameAsParsed(fragments, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "fragments " + seed);
      assertSameAsParsed(regrouped, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "regrouped " + seed);
      // However they are cut up, the trace is the same.
      assertThat(snapshot(view(fragments))).as("seed %d", seed).isEqualTo(snapshot(view(whole)));
    }
  }

  @Test
  void summarisesAKnownTraceAsProtobufJavaDoes() {
    byte[] bytes =
        TestTraces.trace()
            .span(span("frontend", "GET /checkout").start(Duration.ZERO)
                .duration(Duration.ofMillis(100)).attribute("http.route", "/checkout"))
            .span(span("checkout", "charge").start(Duration.ofMillis(20))
                .duration(Duration.ofMillis(150)).error())
            .span(span("ünïcødé", "future").start(Duration.ofHours(3)))
            .span(span("checkout", "broken").timestamps(0, BASE_START_NANOS))
            .span(span("checkout", "reversed").start(Duration.ofMillis(50))
                .duration(Duration.ofMillis(-10)))
            .build()
            .toByteArray();

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.ROOT);

    assertThat(view.traceIdHex()).isEqualTo(TestTraces.TRACE_ID);
    assertThat(view.traceId()).isEqualTo(HexFormat.of().parseHex(TestTraces.TRACE_ID));
    assertThat(view.spanCount()).isEqualTo(5);
    assertThat(view.errorCount()).isEqualTo(1);
    assertThat(view.serviceCount()).isEqualTo(3);
    assertThat(view.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(view.durationNanos()).isEqualTo(Duration.ofMillis(170).toNanos());
    assertThat(view.completion()).isEqualTo(CompletionReason.ROOT);
    assertThat(view.root()).map(SpanView::name).contains("GET /checkout");
    assertThat(view.clockSkew()).isEqualTo(new OtlpTraceView.ClockSkew(1, 1, 1));
    assertThat(view.spans()).extracting(SpanView::name)
        .containsExactly("GET /checkout", "charge", "broken", "reversed", "future");
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "known trace");
  }

  // ---------------------------------------------------------------------------------------------
  // Wire encodings that protobuf-java accepts

  @Test
  void readsConcatenatedTracesDataMessagesAsOneTrace() {
    TracesData first =
        TestTraces.trace()
            .span(span("frontend", "GET /").attribute("k", "v"))
            .span(span("checkout", "charge"))
            .build();
    TracesData second =
        TestTraces.trace()
            .span(span("frontend", "late").parent("0000000000000001"))
            .span(span("payments", "authorize").error())
            .build();
    byte[] bytes = cat(first.toByteArray(), new byte[0], second.toByteArray());

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);

    assertThat(view.spans()).extracting(SpanView::name)
        .containsExactly("GET /", "charge", "late", "authorize");
    assertThat(view.spans()).extracting(SpanView::service)
        .containsExactly("frontend", "checkout", "frontend", "payments");
    assertThat(view.serviceCount()).isEqualTo(3);
    assertThat(view.errorCount()).isEqualTo(1);
    assertThat(view.spans().get(0).attributes()).containsExactly(Map.entry("k", "v"));
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "concatenated");
  }

  @Test
  void readsAResourceThatFollowsItsScopeSpans() {
    byte[] bytes =
        tracesData(
            cat(
                len(2, scopeSpans(spanBytes("a", 1), spanBytes("b", 2))),
                len(1, resource(kv("service.name", sv("late")), kv("ünïcødé", iv(7))))));

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);

    assertThat(view.spans()).extracting(SpanView::service).containsExactly("late", "late");
    assertThat(view.spans().get(1).resource())
        .containsExactly(Map.entry("service.name", "late"), Map.entry("ünïcødé", 7L));
    assertThat(view.wireSpans().get(0).resourceAttributeText("ünïcødé")).isEqualTo("7");
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "resource last");
  }

  @Test
  void mergesAResourceSentTwice() {
    byte[] bytes =
        tracesData(
            cat(
                len(1, resource(kv("service.name", iv(5)), kv("x", iv(1)))),
                len(2, scopeSpans(spanBytes("a", 1))),
                len(1, resource(kv("service.name", sv("second")), kv("y", sv("ünï"))))),
            cat(
                len(1, resource(kv("service.name", sv("first")))),
                len(1, resource(cat(str(1, "service.name"), len(2, iv(1)), len(2, sv("x"))))),
                len(1, resource(kv("service.name", sv("second")), kv("x", iv(2)))),
                len(2, scopeSpans(spanBytes("b", 2)))),
            // Two values of one key-value merge into the last: 1, then the service "x".
            cat(
                len(1, resource(cat(str(1, "service.name"), len(2, sv("s")), len(2, iv(1))))),
                len(1, resource(cat(str(1, "service.name"), len(2, iv(1)), len(2, sv("x"))))),
                len(2, scopeSpans(spanBytes("c", 3)))));

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);

    // The first string-valued service.name counts, even in the second resource message.
    assertThat(view.spans()).extracting(SpanView::service)
        .containsExactly("second", "first", "x");
    assertThat(view.spans().get(0).resource())
        .containsExactly(
            Map.entry("service.name", 5L), Map.entry("x", 1L), Map.entry("y", "ünï"));
    assertThat(view.spans().get(1).resource())
        .containsExactly(Map.entry("service.name", "first"), Map.entry("x", 2L));
    assertThat(view.spans().get(2).resource()).containsExactly(Map.entry("service.name", 1L));
    assertThat(view.wireSpans().get(0).resourceAttributeText("y")).isEqualTo("ünï");
    assertThat(view.wireSpans().get(1).resourceAttributeText("service.name")).isEqualTo("first");
    assertThat(SpanValue.celResource(view.spans().get(0)).get("y")).isEqualTo("ünï");
    assertThat(SpanValue.celResource(view.spans().get(1)).get("x")).isEqualTo(2L);
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "resource twice");
  }

  @Test
  void takesTheLastOfASpanFieldSentTwiceAndMergesItsStatus() {
    byte[] nameTwice = cat(spanBytes("first name", 1), str(5, "second name"));
    byte[] kindTwice =
        cat(spanBytes("kinds", 2), uint(6, Span.SpanKind.SPAN_KIND_CLIENT_VALUE),
            uint(6, Span.SpanKind.SPAN_KIND_SERVER_VALUE));
    // A status sent twice merges: the code of the first stays unless the second sets one.
    byte[] statusKept =
        cat(spanBytes("status kept", 3), len(15, uint(3, 2), str(2, "boom")),
            len(15, str(2, "second message")));
    byte[] statusReplaced =
        cat(spanBytes("status replaced", 4), len(15, uint(3, 2)), len(15, uint(3, 1)));
    byte[] statusCleared =
        cat(spanBytes("status cleared", 5), len(15, uint(3, 2)), len(15, uint(3, 0)));
    byte[] statusCodeTwice = cat(spanBytes("code twice", 6), len(15, uint(3, 1), uint(3, 2)));
    byte[] timesTwice =
        cat(spanBytes("times", 7), fixed64(7, BASE_START_NANOS + 5), fixed64(8, 0),
            fixed64(8, BASE_START_NANOS + 25));
    byte[] idsTwice =
        cat(len(1, new byte[8]), spanBytes("ids", 8), len(1, TRACE_ID.toByteArray()),
            len(2, spanId(99).toByteArray()), len(4, spanId(1).toByteArray()), len(4),
            str(3, "a=1"), str(3, "b=2"));
    byte[] bytes =
        tracesData(
            resourceSpans(
                resource(kv("service.name", sv("svc"))),
                nameTwice, kindTwice, statusKept, statusReplaced, statusCleared, statusCodeTwice,
                timesTwice, idsTwice));

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);
    List<WireSpan> spans = view.wireSpans();

    assertThat(spans.get(0).name()).isEqualTo("second name");
    assertThat(spans.get(1).kind()).isEqualTo("SERVER");
    assertThat(spans.get(1).spanKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(spans).extracting(WireSpan::status)
        .containsExactly("UNSET", "UNSET", "ERROR", "OK", "UNSET", "ERROR", "UNSET", "UNSET");
    assertThat(spans.get(6).startUnixNano()).isEqualTo(BASE_START_NANOS + 5);
    assertThat(spans.get(6).durationNanos()).isEqualTo(20);
    assertThat(spans.get(7).spanId()).isEqualTo(spanId(99));
    assertThat(spans.get(7).traceId()).isEqualTo(TRACE_ID);
    assertThat(spans.get(7).parentSpanId()).isEqualTo(ByteString.EMPTY);
    assertThat(spans.get(7).traceState()).isEqualTo("b=2");
    assertThat(view.errorCount()).isEqualTo(2);
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "span fields twice");
  }

  @Test
  void mergesKeyValuesAndValuesSentTwiceAsProtobufDoes() {
    byte[] attributes =
        cat(
            len(9, str(1, "first key"), str(1, "k1"), len(2, sv("v1"))),
            len(9, str(1, "k2"), len(2, sv("old")), len(2, sv("new"))),
            len(9, str(1, "k3"), len(2, av(iv(1), iv(2))), len(2, av(sv("x")))),
            len(9, str(1, "k4"), len(2, sv("s")), len(2, iv(7))),
            len(9, str(1, "k5"), len(2, sv("s"), iv(7))),
            len(9, str(1, "k6"), len(2, iv(7), sv("s"))),
            len(9, str(1, "k7"), len(2, kvl(kv("a", iv(1)))), len(2, kvl(kv("b", iv(2))))),
            len(9, str(1, "k8"), len(2, av(sv("gone")), sv("after array"))),
            len(9, str(1, "k9"), len(2, sv("a"), sv("b"))),
            len(9, str(1, "k10"), len(2, sv("kept")), len(2)),
            len(9, len(2, sv("value first")), str(1, "k11")),
            len(9, str(1, "k12"), str(1, "other"), len(2, sv("renamed"))),
            len(9, str(1, "k13"), len(2, dv(1.5)), len(2, dv(Double.NaN))),
            len(9, str(1, "k14"), len(2, bytesV(new byte[] {1}), bytesV(new byte[] {2, 3}))),
            len(9, str(1, "k15"), len(2, iv(1), bv(true))),
            len(9, str(1, "k16"), len(2, bv(true)), len(2, sv("s")), len(2, dv(-0.0))),
            len(9, str(1, "k17"), len(2, sv("s")), len(2, av(sv("x")))),
            len(9, str(1, "k18"), len(2, kvl(kv("a", iv(1))), av(iv(1)), sv("last"))));
    byte[] bytes =
        tracesData(resourceSpans(resource(), cat(spanBytes("merged", 1), attributes)));

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);
    WireSpan wire = view.wireSpans().get(0);
    AttributeMapValue cel = SpanValue.celAttributes(wire);

    assertThat(cel.get("k1")).isEqualTo("v1");
    assertThat(cel.get("first key")).isNull();
    assertThat(cel.get("k2")).isEqualTo("new");
    assertThat(cel.get("k4")).isEqualTo(7L);
    assertThat(cel.get("k5")).isEqualTo(7L);
    assertThat(cel.get("k6")).isEqualTo("s");
    assertThat(cel.get("k8")).isEqualTo("after array");
    assertThat(cel.get("k9")).isEqualTo("b");
    assertThat(cel.get("k10")).isEqualTo("kept");
    assertThat(cel.get("k11")).isEqualTo("value first");
    assertThat(cel.containsKey("k12")).isFalse();
    assertThat(cel.get("other")).isEqualTo("renamed");
    assertThat((Double) cel.get("k13")).isNaN();
    assertThat(cel.get("k15")).isEqualTo(true);
    assertThat(cel.get("k16")).isEqualTo(-0.0);
    assertThat(cel.get("k18")).isEqualTo("last");
    assertThat(wire.attributes())
        .containsExactly(
            Map.entry("k1", "v1"),
            Map.entry("k2", "new"),
            Map.entry("k3", List.of(1L, 2L, "x")),
            Map.entry("k4", 7L),
            Map.entry("k5", 7L),
            Map.entry("k6", "s"),
            Map.entry("k7", Map.of("a", 1L, "b", 2L)),
            Map.entry("k8", "after array"),
            Map.entry("k9", "b"),
            Map.entry("k10", "kept"),
            Map.entry("k11", "value first"),
            Map.entry("other", "renamed"),
            Map.entry("k13", Double.NaN),
            Map.entry("k14", ByteString.copyFrom(new byte[] {2, 3})),
            Map.entry("k15", true),
            Map.entry("k16", -0.0),
            Map.entry("k17", List.of("x")),
            Map.entry("k18", "last"));
    assertThat(wire.attributeText("k3")).isEqualTo("[1,2,\"x\"]");
    assertThat(wire.attributeText("k7")).isEqualTo("{\"a\":1,\"b\":2}");
    assertThat(wire.attributeText("k2")).isEqualTo("new");
    assertThat(wire.attributeText("k5")).isEqualTo("7");
    assertThat(wire.attributeText("k14")).isEqualTo("AgM=");
    assertThat(wire.attributeText("k12")).isNull();
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "key-values twice");
  }

  @Test
  void ignoresUnknownFieldsOfEveryWireTypeInEveryMessage() {
    byte[] clean = unknownFieldsTrace(false);
    byte[] noisy = unknownFieldsTrace(true);

    assertThat(noisy.length).isGreaterThan(clean.length + 500);
    assertThat(snapshot(view(noisy))).isEqualTo(snapshot(view(clean)));
    WireSpan span = view(noisy).wireSpans().get(0);
    assertThat(span.name()).isEqualTo("ünïcødé span");
    assertThat(span.attributes())
        .containsExactly(
            Map.entry("k", "v"),
            Map.entry("arr", List.of(1L, "ü")),
            Map.entry("map", Map.of("in", true)));
    assertThat(span.status()).isEqualTo("ERROR");
    assertThat(span.service()).isEqualTo("svc");
    assertSameAsParsed(noisy, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "unknown fields");
    assertSameAsParsed(clean, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "without unknown fields");
  }

  @Test
  void treatsAKnownFieldNumberWithAnotherWireTypeAsUnknown() {
    byte[] span =
        cat(
            uint(1, 7), fixed64(1, 7), // trace_id
            spanBytes("real name", 1),
            uint(5, 42), fixed64(5, 42), fixed32(5, 42), group(5, uint(1, 1)), // name
            len(6, sv("x")), fixed32(6, 2), // kind
            uint(7, 5), len(8, new byte[8]), // start, end
            len(15, uint(3, 2)), fixed32(15, 1), uint(15, 1), // status, then not
            len(15, fixed64(3, 1), len(3, new byte[] {1})), // status.code
            uint(4, 1), fixed64(2, 3), // parent, span_id
            uint(9, 1), fixed64(9, 1), group(9), // attributes
            len(9, str(1, "k"), uint(1, 3), fixed32(1, 3), len(2, sv("v")), uint(2, 1)),
            len(9, str(1, "s"), len(2, uint(1, 5))), // string_value as varint: not set
            len(9, str(1, "i"), len(2, iv(4), fixed64(3, 9), fixed32(3, 9))),
            len(9, str(1, "d"), len(2, dv(0.5), uint(4, 1))),
            len(9, str(1, "b"), len(2, bv(true), len(2, new byte[] {0}))),
            len(9, str(1, "a"), len(2, av(iv(1)), uint(5, 1))),
            len(9, str(1, "l"), len(2, kvl(kv("x", iv(1))), fixed64(6, 0))),
            len(9, str(1, "y"), len(2, bytesV(new byte[] {9}), uint(7, 1))));
    byte[] bytes =
        cat(
            uint(1, 1),
            len(1,
                fixed64(1, 0), uint(2, 0), fixed32(2, 0),
                len(1, resource(kv("service.name", sv("svc"))), uint(1, 1), fixed64(1, 1)),
                len(2, uint(1, 1), fixed32(2, 0), len(2, span), uint(2, 0))),
            fixed32(1, 1));

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);
    WireSpan wire = view.wireSpans().get(0);

    assertThat(view.spanCount()).isEqualTo(1);
    assertThat(wire.service()).isEqualTo("svc");
    assertThat(wire.name()).isEqualTo("real name");
    assertThat(wire.kind()).isEqualTo("INTERNAL");
    assertThat(wire.status()).isEqualTo("ERROR");
    assertThat(wire.startUnixNano()).isEqualTo(BASE_START_NANOS);
    assertThat(wire.durationNanos()).isEqualTo(1_000_000L);
    assertThat(wire.traceId()).isEqualTo(TRACE_ID);
    assertThat(wire.spanId()).isEqualTo(spanId(1));
    assertThat(view.root()).containsSame(wire);
    assertThat(wire.attributes())
        .containsExactly(
            Map.entry("k", "v"),
            Map.entry("i", 4L),
            Map.entry("d", 0.5),
            Map.entry("b", true),
            Map.entry("a", List.of(1L)),
            Map.entry("l", Map.of("x", 1L)),
            Map.entry("y", ByteString.copyFrom(new byte[] {9})));
    assertThat(SpanValue.celAttributes(wire).containsKey("s")).isFalse();
    assertThat(wire.attributeText("s")).isEmpty();
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "wrong wire types");
  }

  @Test
  void readsVarintsAsProtobufJavaDoesHoweverTheyAreEncoded() {
    byte[] overlongTags =
        cat(
            new byte[] {(byte) 0x8a, (byte) 0x80, 0x00}, varint(16), TRACE_ID.toByteArray(),
            new byte[] {(byte) 0x92, 0x00}, varint(8), spanId(1).toByteArray(),
            new byte[] {(byte) 0xaa, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00},
            new byte[] {(byte) 0x84, (byte) 0x80, 0x00}, "name".getBytes(UTF_8),
            fixed64(7, BASE_START_NANOS), fixed64(8, BASE_START_NANOS + 3));
    byte[] negativeKind = cat(spanBytes("negative kind", 2), uint(6, -1L));
    byte[] wideKind = cat(spanBytes("wide kind", 3), uint(6, 1L << 32 | 2));
    byte[] wideStatus = cat(spanBytes("wide status", 4), len(15, uint(3, 1L << 40 | 2)));
    byte[] unknownKind = cat(spanBytes("unknown kind", 5), uint(6, 99), len(15, uint(3, 99)));
    byte[] wideBool =
        cat(spanBytes("values", 6),
            len(9, str(1, "bool"), len(2, uint(2, 256))),
            len(9, str(1, "negative"), len(2, uint(3, -5L))),
            len(9, str(1, "padded"), len(2, tag(3, 0), new byte[] {(byte) 0x81, (byte) 0x80, 0})));
    // A tag is a 32-bit varint too: bits above 32 are dropped, even in a 10-byte varint.
    byte[] wideTags =
        cat(spanBytes("x", 7), varint(5 << 3 | 2 | 1L << 35), varint(4), "wide".getBytes(UTF_8),
            varint(6 << 3 | 1L << 63), varint(Span.SpanKind.SPAN_KIND_CONSUMER_VALUE));
    byte[] bytes =
        tracesData(resourceSpans(resource(kv("service.name", sv("svc"))),
            overlongTags, negativeKind, wideKind, wideStatus, unknownKind, wideBool, wideTags));

    WireTraceView view = WireTraceView.of(bytes, CompletionReason.IDLE);
    List<WireSpan> spans = view.wireSpans();

    assertThat(spans.get(0).name()).isEqualTo("name");
    assertThat(spans.get(0).durationNanos()).isEqualTo(3);
    assertThat(spans.get(1).spanKind()).isEqualTo(Span.SpanKind.UNRECOGNIZED);
    assertThat(spans.get(1).kind()).isEqualTo("UNSPECIFIED");
    assertThat(spans.get(2).spanKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(spans.get(3).statusCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(spans.get(4).spanKind()).isEqualTo(Span.SpanKind.UNRECOGNIZED);
    assertThat(spans.get(4).statusCode()).isEqualTo(Status.StatusCode.UNRECOGNIZED);
    assertThat(spans.get(4).status()).isEqualTo("UNSET");
    assertThat(spans.get(5).attributes())
        .containsExactly(
            Map.entry("bool", true), Map.entry("negative", -5L), Map.entry("padded", 1L));
    assertThat(spans.get(6).name()).isEqualTo("wide");
    assertThat(spans.get(6).kind()).isEqualTo("CONSUMER");
    assertThat(view.errorCount()).isEqualTo(1);
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "varint encodings");
  }

  @Test
  void readsALengthWhoseVarintHasBitsAbove32AsProtobufJavaDoes() {
    // protobuf-java reads a length as a 32-bit varint and drops the bits above.
    byte[] name = "wide".getBytes(UTF_8);
    byte[] span = cat(spanBytes("x", 1), tag(5, 2), varint(1L << 32 | name.length), name);
    byte[] bytes = tracesData(resourceSpans(resource(), span));

    assertThat(parse(bytes)).map(data -> data.getResourceSpans(0).getScopeSpans(0).getSpans(0))
        .map(Span::getName).contains("wide");
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "wide length");
  }

  @Test
  void rejectsDeeplyNestedGroupsWithAnIllegalArgumentException() {
    int depth = 10_000;
    byte[] valid = TestTraces.trace().span(span("a", "x")).build().toByteArray();
    byte[] bytes = cat(valid, filled(depth, (byte) 0x7b), filled(depth, (byte) 0x7c)); // group 15

    assertThat(parse(bytes)).isEmpty();
    assertThatThrownBy(() -> WireTraceView.of(bytes, CompletionReason.IDLE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  @Test
  void rejectsBytesWithoutSpans() {
    List<byte[]> inputs =
        List.of(
            new byte[0],
            TracesData.getDefaultInstance().toByteArray(),
            tracesData(len(1, resource(kv("service.name", sv("svc"))))),
            tracesData(cat(len(1, resource()), len(2, str(3, "schema")))),
            cat(uint(7, 1), len(3, "not spans".getBytes(UTF_8))));

    for (byte[] input : inputs) {
      assertThatThrownBy(() -> WireTraceView.of(input, CompletionReason.IDLE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a trace needs at least one span");
      assertSameAsParsed(input, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "no spans");
    }
  }

  @Test
  void rejectsSpansOfTwoTraces() {
    byte[] first = TestTraces.trace().span(span("a", "x")).build().toByteArray();
    byte[] second =
        TestTraces.trace().traceId("0af7651916cd43dd8448eb211c80319c").span(span("a", "y"))
            .build().toByteArray();
    byte[] withoutTraceId =
        tracesData(resourceSpans(resource(), Span.newBuilder().setName("z").build().toByteArray()));

    for (byte[] input : List.of(cat(first, second), cat(second, first), cat(first, withoutTraceId),
        cat(first, first, second))) {
      assertThatThrownBy(() -> WireTraceView.of(input, CompletionReason.IDLE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("the spans belong to more than one trace");
      assertSameAsParsed(input, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "two traces");
    }
  }

  @Test
  void rejectsATraceIdThatIsNot16Bytes() {
    byte[] bytes =
        TestTraces.trace().traceId("0102030405060708").span(span("a", "x")).span(span("b", "y"))
            .build().toByteArray();
    byte[] none =
        tracesData(resourceSpans(resource(), Span.newBuilder().setName("z").build().toByteArray()));

    assertThatThrownBy(() -> WireTraceView.of(bytes, CompletionReason.IDLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the trace ID has 8 bytes but it must have 16");
    assertThatThrownBy(() -> WireTraceView.of(none, CompletionReason.IDLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the trace ID has 0 bytes but it must have 16");
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "8-byte trace ID");
    assertSameAsParsed(none, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "no trace ID");
  }

  @Test
  void rejectsANonPositiveClockSkewBound() {
    byte[] bytes = TestTraces.trace().span(span("a", "x")).build().toByteArray();

    assertThatThrownBy(() -> WireTraceView.of(bytes, CompletionReason.IDLE, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxClockSkew must be positive");
    assertThatThrownBy(
            () -> WireTraceView.of(bytes, CompletionReason.IDLE, Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxClockSkew must be positive");
  }

  @Test
  void rejectsTruncatedBytesUnlessProtobufJavaAcceptsThePrefix() {
    List<byte[]> inputs = new ArrayList<>();
    inputs.add(unknownFieldsTrace(true));
    inputs.add(
        cat(
            TestTraces.trace().span(span("frontend", "GET /").attribute("k", "ünï")).build()
                .toByteArray(),
            TestTraces.trace().span(span("checkout", "charge").parent("0000000000000001")
                .attribute("n", List.of(1L, "x"))).build().toByteArray()));
    for (long seed = 2000; seed < 2010; seed++) {
      inputs.add(randomTrace(new Random(seed)));
    }
    int acceptedPrefixes = 0;
    for (byte[] input : inputs) {
      for (int cut = 0; cut < input.length; cut++) {
        byte[] prefix = Arrays.copyOf(input, cut);
        String context = "cut at " + cut + " of " + input.length;
        Optional<TracesData> parsed = parse(prefix);
        if (parsed.isPresent()) {
          acceptedPrefixes++;
          assertSameView(prefix, parsed.get(), Duration.ofHours(1), context);
        } else {
          assertThatThrownBy(() -> WireTraceView.of(prefix, CompletionReason.IDLE))
              .as(context)
              .isInstanceOf(IllegalArgumentException.class);
        }
      }
    }
    assertThat(acceptedPrefixes).isGreaterThan(inputs.size());
  }

  @Test
  void rejectsMalformedStructureWithAnIllegalArgumentException() {
    byte[] valid = TestTraces.trace().span(span("a", "x")).build().toByteArray();
    byte[] spanOnly = spanBytes("x", 1);
    List<byte[]> malformed =
        List.of(
            cat(valid, new byte[] {0x00}), // field number 0
            cat(valid, new byte[] {0x06}), // wire type 6
            cat(valid, new byte[] {0x07, 0x01}), // wire type 7
            cat(valid, tag(9, 4)), // a stray end of group
            cat(valid, tag(9, 3), uint(1, 1)), // a group without an end
            cat(valid, tag(9, 3), tag(8, 4)), // a group closed by another number
            cat(valid, new byte[] {0x08, (byte) 0x80}), // a truncated varint
            cat(valid, new byte[] {0x08}, filled(10, (byte) 0x80), new byte[] {0x01}), // too long
            cat(valid, new byte[] {0x09, 1, 2, 3}), // a truncated fixed64
            cat(valid, new byte[] {0x0d, 1, 2, 3}), // a truncated fixed32
            cat(valid, new byte[] {0x0a, 0x05, 1}), // a length past the end
            tracesData(resourceSpans(resource(), cat(spanOnly, tag(20, 4)))),
            tracesData(resourceSpans(resource(), cat(spanOnly, new byte[] {0x00}))),
            tracesData(resourceSpans(resource(), cat(spanOnly, len(15, tag(1, 6))))),
            tracesData(resourceSpans(resource(), cat(spanOnly, len(15, uint(3, 1), tag(3, 4))))),
            tracesData(cat(len(1, new byte[] {0x0a, 0x09}), len(2, scopeSpans(spanOnly)))),
            tracesData(len(2, cat(len(2, spanOnly), tag(2, 4)))));
    for (int i = 0; i < malformed.size(); i++) {
      byte[] input = malformed.get(i);
      assertThat(parse(input)).as("input %d is malformed", i).isEmpty();
      assertThatThrownBy(() -> WireTraceView.of(input, CompletionReason.IDLE))
          .as("input %d", i)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void rejectsAMalformedAttributeWhenItIsRead() {
    byte[] attribute = len(9, str(1, "k"), len(2, len(5, len(1, new byte[] {0x0a, 0x7f}))));
    byte[] bytes = tracesData(resourceSpans(resource(), cat(spanBytes("x", 1), attribute)));
    WireSpan span = WireTraceView.of(bytes, CompletionReason.IDLE).wireSpans().get(0);

    assertThat(parse(bytes)).isEmpty();
    assertThatThrownBy(span::attributes).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> span.attributeText("k"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SpanValue.celAttributes(span).get("k"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void agreesWithProtobufJavaOnRandomlyCorruptedBytes() {
    int accepted = 0;
    int rejected = 0;
    for (long seed = 3000; seed < 3060; seed++) {
      Random random = new Random(seed);
      byte[] original = randomTrace(random);
      for (int m = 0; m < 30; m++) {
        byte[] input = mutate(random, original);
        String context = "seed " + seed + " mutation " + m + ": " + HexFormat.of().formatHex(input);
        Optional<TracesData> parsed = parse(input);
        if (parsed.isPresent()) {
          accepted++;
          assertSameView(input, parsed.get(), Duration.ofHours(1), context);
        } else {
          rejected++;
          assertOnlyIllegalArgument(input, context);
        }
      }
    }
    assertThat(accepted).isGreaterThan(100);
    assertThat(rejected).isGreaterThan(100);
  }

  // ---------------------------------------------------------------------------------------------
  // Attribute text

  @Test
  void writesTheTextOfTheFirstKeyValueWithTheKeyAsAnyValueTextDoes() {
    byte[] attributes =
        cat(
            len(9, str(1, "unset first")),
            len(9, str(1, "unset first"), len(2, sv("later"))),
            len(9, str(1, "empty first"), len(2)),
            len(9, str(1, "empty first"), len(2, iv(5))),
            len(9, str(1, "int first"), len(2, iv(7))),
            len(9, str(1, "int first"), len(2, sv("s"))),
            len(9, str(1, "ünïcødé"), len(2, sv("välüe 🚀"))),
            len(9, str(1, "nested"),
                len(2, av(sv("q\"b\\c\u0001"), iv(1), EMPTY, dv(-0.0), bv(false),
                    kvl(kv("ü", dv(Double.NaN)), kv("n", EMPTY)), bytesV(new byte[] {-1})))),
            len(9, str(1, ""), len(2, dv(1e21))),
            len(9, str(1, "bytes"), len(2, bytesV(new byte[] {0, 1, 2, -3}))),
            len(9, str(1, "double"), len(2, dv(Double.NEGATIVE_INFINITY))));
    byte[] resource =
        resource(
            kv("service.name", sv("svc")),
            str(1, "no value"),
            kv("no value", sv("later")),
            kv("ünïcødé", bv(true)),
            kv("list", kvl()));
    byte[] bytes =
        tracesData(
            cat(len(1, resource), len(2, scopeSpans(cat(spanBytes("x", 1), attributes)))));

    WireSpan span = WireTraceView.of(bytes, CompletionReason.IDLE).wireSpans().get(0);

    assertThat(span.attributeText("unset first")).isEmpty();
    assertThat(span.attributeText("empty first")).isEmpty();
    assertThat(span.attributeText("int first")).isEqualTo("7");
    assertThat(span.attributeText("ünïcødé")).isEqualTo("välüe 🚀");
    assertThat(span.attributeText("nested"))
        .isEqualTo("[\"q\\\"b\\\\c\\u0001\",1,null,-0.0,false,{\"ü\":NaN,\"n\":null},\"/w==\"]");
    assertThat(span.attributeText("")).isEqualTo("1.0E21");
    assertThat(span.attributeText("bytes")).isEqualTo("AAEC/Q==");
    assertThat(span.attributeText("double")).isEqualTo("-Infinity");
    assertThat(span.attributeText("absent")).isNull();
    assertThat(span.attributeText("ünïcödé")).isNull();
    assertThat(span.resourceAttributeText("service.name")).isEqualTo("svc");
    assertThat(span.resourceAttributeText("no value")).isEmpty();
    assertThat(span.resourceAttributeText("ünïcødé")).isEqualTo("true");
    assertThat(span.resourceAttributeText("list")).isEqualTo("{}");
    assertThat(span.resourceAttributeText("absent")).isNull();
    // Lookups, unlike the text, skip a key-value whose value is not set.
    assertThat(SpanValue.celAttributes(span).get("unset first")).isEqualTo("later");
    assertThat(SpanValue.celAttributes(span).get("empty first")).isEqualTo(5L);
    assertThat(SpanValue.celResource(span).get("no value")).isEqualTo("later");
    assertSameAsParsed(bytes, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW, "attribute text");
  }

  // ---------------------------------------------------------------------------------------------
  // Comparison with protobuf-java

  private static void assertSameAsParsed(byte[] bytes, Duration skew, String context) {
    TracesData parsed =
        parse(bytes).orElseThrow(() -> new AssertionError(context + ": protobuf-java rejects"));
    assertSameView(bytes, parsed, skew, context);
  }

  /** Compares everything the two views show of the same bytes. */
  private static void assertSameView(
      byte[] bytes, TracesData parsed, Duration skew, String context) {
    CompletionReason completion =
        CompletionReason.values()[Math.floorMod(context.hashCode(), CompletionReason.values()
            .length)];
    OtlpTraceView expected;
    try {
      expected = OtlpTraceView.of(parsed, completion, skew);
    } catch (IllegalArgumentException e) {
      assertThatThrownBy(() -> WireTraceView.of(bytes, completion, skew))
          .as(context)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(e.getMessage());
      return;
    }
    List<ParsedSpan> protos = flatten(parsed);

    // Lookups first, on fresh views, as rules read a few keys without converting the maps.
    assertSameLookups(
        WireTraceView.of(bytes, completion, skew), OtlpTraceView.of(parsed, completion, skew),
        protos, context + " (lookups before conversion)");

    WireTraceView actual = WireTraceView.of(bytes, completion, skew);
    assertThat(actual.traceIdHex()).as(context).isEqualTo(expected.traceIdHex());
    assertThat(actual.traceId()).as(context).isEqualTo(expected.traceId());
    assertThat(actual.spanCount()).as(context).isEqualTo(expected.spanCount());
    assertThat(actual.spans()).as(context).hasSize(expected.spans().size());
    assertThat(actual.wireSpans()).as(context).isEqualTo(actual.spans());
    assertThat(actual.errorCount()).as(context).isEqualTo(expected.errorCount());
    assertThat(actual.serviceCount()).as(context).isEqualTo(expected.serviceCount());
    assertThat(actual.startUnixNano()).as(context).isEqualTo(expected.startUnixNano());
    assertThat(actual.durationNanos()).as(context).isEqualTo(expected.durationNanos());
    assertThat(actual.clockSkew()).as(context).isEqualTo(expected.clockSkew());
    assertThat(actual.completion()).as(context).isEqualTo(completion);
    assertThat(actual.root().map(root -> indexOf(actual.spans(), root)))
        .as(context + ": root")
        .isEqualTo(expected.root().map(root -> indexOf(expected.spans(), root)));
    assertThat(protos).as(context).hasSize(expected.spans().size());

    for (int i = 0; i < expected.spans().size(); i++) {
      SpanView e = expected.spans().get(i);
      WireSpan w = actual.wireSpans().get(i);
      Span proto = protos.get(i).span();
      String where = context + ": span " + i;
      assertThat(e.name()).as(where).isEqualTo(proto.getName());
      assertThat(w.name()).as(where + " name").isEqualTo(e.name());
      assertThat(w.service()).as(where + " service").isEqualTo(e.service());
      assertThat(w.kind()).as(where + " kind").isEqualTo(e.kind());
      assertThat(w.status()).as(where + " status").isEqualTo(e.status());
      assertThat(w.startUnixNano()).as(where + " start").isEqualTo(e.startUnixNano());
      assertThat(w.endUnixNano()).as(where + " end").isEqualTo(((OtlpSpan) e).endUnixNano());
      assertThat(w.durationNanos()).as(where + " duration").isEqualTo(e.durationNanos());
      assertThat(w.traceState()).as(where + " traceState").isEqualTo(e.traceState());
      assertThat(w.hasParent()).as(where + " hasParent").isEqualTo(((OtlpSpan) e).hasParent());
      assertThat(w.isError()).as(where + " isError").isEqualTo(((OtlpSpan) e).isError());
      assertThat(w.spanKind()).as(where + " spanKind").isEqualTo(proto.getKind());
      assertThat(w.statusCode()).as(where + " statusCode")
          .isEqualTo(proto.getStatus().getCode());
      assertThat(w.traceId()).as(where + " traceId").isEqualTo(proto.getTraceId());
      assertThat(w.spanId()).as(where + " spanId").isEqualTo(proto.getSpanId());
      assertThat(w.spanId()).as(where + " spanId").isEqualTo(proto.getSpanId());
      assertThat(w.parentSpanId()).as(where + " parent")
          .isEqualTo(proto.getParentSpanId());
      assertThat(w.toProto()).as(where + " toProto").isEqualTo(proto);
      assertSameMap(w.attributes(), e.attributes(), where + " attributes");
      assertSameMap(w.resource(), e.resource(), where + " resource");
      assertSameMap(SpanValue.celAttributes(w), SpanValue.celAttributes(e),
          where + " CEL attributes");
      assertSameMap(SpanValue.celResource(w), SpanValue.celResource(e), where + " CEL resource");
    }

    // Lookups again, now that the maps are converted.
    assertSameLookups(actual, expected, protos, context + " (lookups after conversion)");
  }

  private static void assertSameLookups(
      WireTraceView actual, OtlpTraceView expected, List<ParsedSpan> protos, String context) {
    for (int i = 0; i < expected.spans().size(); i++) {
      WireSpan w = actual.wireSpans().get(i);
      SpanView e = expected.spans().get(i);
      List<KeyValue> attributes = protos.get(i).span().getAttributesList();
      List<KeyValue> resource = protos.get(i).resource().getAttributesList();
      Set<String> keys = new LinkedHashSet<>();
      attributes.forEach(kv -> keys.add(kv.getKey()));
      resource.forEach(kv -> keys.add(kv.getKey()));
      keys.addAll(PROBES);
      String where = context + ": span " + i;
      for (String key : keys) {
        AttributeMapValue wireAttributes = SpanValue.celAttributes(w);
        AttributeMapValue parsedAttributes = SpanValue.celAttributes(e);
        assertThat(wireAttributes.get(key)).as("%s attributes[%s]", where, key)
            .isEqualTo(parsedAttributes.get(key));
        assertThat(wireAttributes.containsKey(key)).as("%s has attributes[%s]", where, key)
            .isEqualTo(parsedAttributes.containsKey(key));
        AttributeMapValue wireResource = SpanValue.celResource(w);
        AttributeMapValue parsedResource = SpanValue.celResource(e);
        assertThat(wireResource.get(key)).as("%s resource[%s]", where, key)
            .isEqualTo(parsedResource.get(key));
        assertThat(wireResource.containsKey(key)).as("%s has resource[%s]", where, key)
            .isEqualTo(parsedResource.containsKey(key));
        assertThat(w.attributeText(key)).as("%s attributeText(%s)", where, key)
            .isEqualTo(text(attributes, key));
        assertThat(w.resourceAttributeText(key)).as("%s resourceAttributeText(%s)", where, key)
            .isEqualTo(text(resource, key));
      }
    }
  }

  /** Equal maps with their keys in the same order. */
  private static void assertSameMap(
      Map<String, Object> actual, Map<String, Object> expected, String context) {
    assertThat(actual).as(context).isEqualTo(expected);
    assertThat(new ArrayList<>(actual.keySet())).as(context + " keys")
        .isEqualTo(new ArrayList<>(expected.keySet()));
    assertThat(actual.size()).as(context + " size").isEqualTo(expected.size());
  }

  /** What {@link WireSpan#attributeText} must return, from the parsed key-values. */
  private static String text(List<KeyValue> keyValues, String key) {
    for (KeyValue keyValue : keyValues) {
      if (keyValue.getKey().equals(key)) {
        return AnyValueText.canonical(keyValue.getValue());
      }
    }
    return null;
  }

  /** Creates the view, then reads everything, which may only fail as malformed. */
  private static void assertOnlyIllegalArgument(byte[] input, String context) {
    try {
      WireTraceView view = WireTraceView.of(input, CompletionReason.IDLE);
      view.root();
      for (WireSpan span : view.wireSpans()) {
        touch(() -> span.name());
        touch(() -> span.traceState());
        touch(() -> span.attributes());
        touch(() -> span.resource());
        touch(() -> span.toProto());
        for (String key : KEYS) {
          touch(() -> span.attributeText(key));
          touch(() -> span.resourceAttributeText(key));
          touch(() -> SpanValue.celAttributes(span).get(key));
          touch(() -> SpanValue.celResource(span).get(key));
        }
      }
    } catch (IllegalArgumentException e) {
      // as documented
    } catch (RuntimeException | Error e) {
      throw new AssertionError(context + ": " + e, e);
    }
  }

  private static void touch(Runnable read) {
    try {
      read.run();
    } catch (IllegalArgumentException e) {
      // as documented
    }
  }

  private static WireTraceView view(byte[] bytes) {
    return WireTraceView.of(bytes, CompletionReason.IDLE);
  }

  /** Everything a view shows, for comparing two views. */
  private static List<Object> snapshot(TraceView view) {
    List<Object> all = new ArrayList<>();
    all.add(view.traceIdHex());
    all.add(view.spanCount());
    all.add(view.errorCount());
    all.add(view.serviceCount());
    all.add(view.startUnixNano());
    all.add(view.durationNanos());
    all.add(view.root().map(root -> indexOf(view.spans(), root)));
    for (SpanView span : view.spans()) {
      all.add(List.of(span.service(), span.name(), span.kind(), span.status(),
          span.startUnixNano(), span.durationNanos(), span.traceState(),
          new ArrayList<>(span.attributes().entrySet()),
          new ArrayList<>(span.resource().entrySet())));
    }
    return all;
  }

  private static int indexOf(List<SpanView> spans, SpanView span) {
    for (int i = 0; i < spans.size(); i++) {
      if (spans.get(i) == span) {
        return i;
      }
    }
    throw new AssertionError(span + " is not a span of its trace");
  }

  private record ParsedSpan(Resource resource, Span span) {}

  private static List<ParsedSpan> flatten(TracesData data) {
    List<ParsedSpan> spans = new ArrayList<>();
    for (ResourceSpans resourceSpans : data.getResourceSpansList()) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          spans.add(new ParsedSpan(resourceSpans.getResource(), span));
        }
      }
    }
    return spans;
  }

  private static Optional<TracesData> parse(byte[] bytes) {
    try {
      return Optional.of(TracesData.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Random traces

  private static byte[] randomTrace(Random random) {
    TracesData data = scramble(random, randomTraceData(random));
    switch (random.nextInt(3)) {
      case 0:
        return fragments(data, random.nextBoolean());
      case 1:
        return oneResourceSpansPerSpan(data);
      default:
        return data.toByteArray();
    }
  }

  private static TracesData randomTraceData(Random random) {
    TestTraces.TraceBuilder trace = TestTraces.trace();
    if (random.nextInt(5) == 0) {
      trace.withoutRoot();
    }
    int spans = 1 + random.nextInt(8);
    for (int i = 0; i < spans; i++) {
      TestTraces.SpanBuilder span =
          span(random.nextInt(6) == 0 ? null : pick(random, SERVICES), pick(random, NAMES))
              .kind(pick(random, List.of(Span.SpanKind.values()).subList(0, 6)))
              .status(pick(random, List.of(Status.StatusCode.values()).subList(0, 3)))
              .traceState(pick(random, TRACE_STATES));
      randomTimestamps(random, span);
      if (i > 0 && random.nextInt(6) == 0) {
        span.parent(random.nextBoolean() ? "" : "00000000000000ff");
      }
      int attributes = random.nextInt(7);
      for (int j = 0; j < attributes; j++) {
        span.attribute(pick(random, KEYS), randomValue(random, 2));
      }
      int resourceAttributes = random.nextInt(3);
      for (int j = 0; j < resourceAttributes; j++) {
        span.resourceAttribute(pick(random, RESOURCE_KEYS), randomValue(random, 1));
      }
      trace.span(span);
    }
    return trace.build();
  }

  private static void randomTimestamps(Random random, TestTraces.SpanBuilder span) {
    long base = BASE_START_NANOS + random.nextInt(1000) * 1_000_000L;
    switch (random.nextInt(14)) {
      case 0 -> span.timestamps(0, base);
      case 1 -> span.timestamps(base, 0);
      case 2 -> span.timestamps(0, 0);
      case 3 -> span.timestamps(-5L, base); // 2^64 - 5 as unsigned
      case 4 -> span.timestamps(base, Long.MIN_VALUE); // 2^63
      case 5 -> span.timestamps(Long.MIN_VALUE, -1L);
      case 6 -> span.timestamps(1_000_000_000L, 2_000_000_000L); // a clock never set
      case 7 -> span.start(Duration.ofHours(3)).duration(Duration.ofMillis(5));
      case 8 -> span.start(Duration.ofHours(-5)).duration(Duration.ofMillis(5));
      case 9 -> span.start(Duration.ofMinutes(random.nextInt(130) - 65))
          .duration(Duration.ofMillis(random.nextInt(100)));
      case 10 -> span.start(Duration.ofMillis(random.nextInt(1000)))
          .duration(Duration.ofMillis(-random.nextInt(1000)));
      case 11 -> span.start(Duration.ofHours(-2)).duration(Duration.ofHours(2));
      default -> span.start(Duration.ofMillis(random.nextInt(1000)))
          .duration(Duration.ofMillis(random.nextInt(3000)));
    }
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 0 ? 9 : 7)) {
      case 0:
      case 1:
        return pick(random, STRINGS);
      case 2:
        return random.nextBoolean();
      case 3:
        return random.nextBoolean() ? random.nextLong() : pick(random, NUMBERS);
      case 4:
        byte[] bytes = new byte[random.nextInt(4)];
        random.nextBytes(bytes);
        return bytes;
      case 5:
        return null; // an AnyValue with no value set
      case 6:
        return pick(random, NUMBERS);
      case 7: {
        List<Object> array = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          array.add(randomValue(random, depth - 1));
        }
        return array;
      }
      default: {
        Map<String, Object> kvlist = new LinkedHashMap<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          kvlist.put(pick(random, KEYS), randomValue(random, depth - 1));
        }
        return kvlist;
      }
    }
  }

  /**
   * Adds what the span builders cannot make: kind and status numbers OTLP does not define,
   * key-values without a value, duplicated keys in key-value lists, and unknown fields.
   */
  private static TracesData scramble(Random random, TracesData data) {
    TracesData.Builder builder = data.toBuilder();
    maybeUnknown(random, builder);
    for (ResourceSpans.Builder resourceSpans : builder.getResourceSpansBuilderList()) {
      maybeUnknown(random, resourceSpans);
      maybeUnknown(random, resourceSpans.getResourceBuilder());
      for (KeyValue.Builder keyValue
          : resourceSpans.getResourceBuilder().getAttributesBuilderList()) {
        maybeUnknown(random, keyValue);
      }
      for (ScopeSpans.Builder scopeSpans : resourceSpans.getScopeSpansBuilderList()) {
        maybeUnknown(random, scopeSpans);
        for (Span.Builder span : scopeSpans.getSpansBuilderList()) {
          scrambleSpan(random, span);
        }
      }
    }
    return builder.build();
  }

  private static void scrambleSpan(Random random, Span.Builder span) {
    if (random.nextInt(5) == 0) {
      span.setKindValue(pick(random, List.of(99, -1, 6, 1 << 20)));
    }
    if (random.nextInt(5) == 0) {
      span.getStatusBuilder().setCodeValue(pick(random, List.of(3, 99, -7)));
    }
    if (random.nextInt(4) == 0) {
      span.getStatusBuilder().setMessage("ünï message");
    }
    if (random.nextInt(6) == 0) {
      // No value field at all, unlike an AnyValue with nothing set.
      span.addAttributes(random.nextInt(span.getAttributesCount() + 1),
          KeyValue.newBuilder().setKey(pick(random, KEYS)));
    }
    if (random.nextInt(6) == 0) {
      span.addAttributes(KeyValue.newBuilder().setKey(pick(random, KEYS)).setValue(
          AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
              .addValues(TestTraces.keyValue("dup", 1L))
              .addValues(KeyValue.newBuilder().setKey("dup"))
              .addValues(TestTraces.keyValue("dup", "second")))));
    }
    if (random.nextInt(8) == 0) {
      span.addAttributes(KeyValue.newBuilder().setKey(pick(random, KEYS)).setValue(
          AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
              .addValues(AnyValue.getDefaultInstance())
              .addValues(TestTraces.anyValue("ünï")))));
    }
    maybeUnknown(random, span);
    maybeUnknown(random, span.getStatusBuilder());
    for (KeyValue.Builder keyValue : span.getAttributesBuilderList()) {
      maybeUnknown(random, keyValue);
      if (keyValue.hasValue()) {
        maybeUnknown(random, keyValue.getValueBuilder());
      }
    }
  }

  private static void maybeUnknown(Random random, com.google.protobuf.Message.Builder message) {
    if (random.nextInt(4) != 0) {
      return;
    }
    UnknownFieldSet.Builder set = UnknownFieldSet.newBuilder();
    // Low numbers may be known fields of the message, with the wire type of the field or not.
    int number = pick(random, List.of(3, 6, 7, 15, 17, 100, 1000, (1 << 29) - 1));
    UnknownFieldSet.Field.Builder field =
        UnknownFieldSet.Field.newBuilder()
            .addVarint(random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(3))
            .addFixed32(random.nextInt())
            .addFixed64(random.nextLong())
            .addGroup(
                UnknownFieldSet.newBuilder()
                    .addField(1, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                    .addField(2, UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFromUtf8("ünknown"))
                        .addGroup(UnknownFieldSet.getDefaultInstance()).build())
                    .build());
    if (number > 16) {
      field.addLengthDelimited(ByteString.copyFromUtf8("ünknown 🚀"));
    }
    set.addField(number, field.build());
    message.setUnknownFields(set.build());
  }

  /** One TracesData message per ResourceSpans, concatenated, perhaps with empty ones between. */
  private static byte[] fragments(TracesData data, boolean withEmpty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ResourceSpans resourceSpans : data.getResourceSpansList()) {
      out.writeBytes(TracesData.newBuilder().addResourceSpans(resourceSpans).build()
          .toByteArray());
      if (withEmpty) {
        out.writeBytes(TracesData.newBuilder().addResourceSpans(
            ResourceSpans.newBuilder().setResource(resourceSpans.getResource())).build()
            .toByteArray());
      }
    }
    return out.toByteArray();
  }

  /** Each span in a ResourceSpans and ScopeSpans of its own, with its resource. */
  private static byte[] oneResourceSpansPerSpan(TracesData data) {
    TracesData.Builder regrouped = TracesData.newBuilder();
    for (ResourceSpans resourceSpans : data.getResourceSpansList()) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          regrouped.addResourceSpans(
              resourceSpans.toBuilder().clearScopeSpans().addScopeSpans(
                  scopeSpans.toBuilder().clearSpans().addSpans(span)));
        }
      }
    }
    return regrouped.build().toByteArray();
  }

  private static byte[] mutate(Random random, byte[] original) {
    byte[] bytes = original.clone();
    int changes = 1 + random.nextInt(3);
    for (int c = 0; c < changes && bytes.length > 0; c++) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(4)) {
        case 0 -> bytes[at] = (byte) random.nextInt(256);
        case 1 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
        case 2 -> {
          byte[] shorter = new byte[bytes.length - 1];
          System.arraycopy(bytes, 0, shorter, 0, at);
          System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
          bytes = shorter;
        }
        default -> {
          byte[] longer = new byte[bytes.length + 1];
          System.arraycopy(bytes, 0, longer, 0, at);
          longer[at] = (byte) random.nextInt(256);
          System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
          bytes = longer;
        }
      }
    }
    return bytes;
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  // ---------------------------------------------------------------------------------------------
  // Hand-made wire bytes

  /** A trace with unknown fields of every wire type before, between and after known fields. */
  private static byte[] unknownFieldsTrace(boolean noisy) {
    byte[] anyValueArray =
        av(cat(noise(noisy, 20), iv(1), noise(noisy, 30)), sv("ü"));
    byte[] arrayValue =
        cat(len(5, noise(noisy, 40), len(1, iv(1)), noise(noisy, 50), len(1, sv("ü"))),
            noise(noisy, 60));
    byte[] attributes =
        cat(
            len(9, noise(noisy, 17), str(1, "k"), noise(noisy, 18),
                len(2, noise(noisy, 19), sv("v"), noise(noisy, 21)), noise(noisy, 22)),
            len(9, str(1, "arr"), len(2, noisy ? arrayValue : anyValueArray)),
            len(9, str(1, "map"),
                len(2, len(6, noise(noisy, 23), len(1, noise(noisy, 24), str(1, "in"),
                    len(2, bv(true))), noise(noisy, 25)))));
    byte[] span =
        cat(
            noise(noisy, 100),
            len(1, TRACE_ID.toByteArray()),
            noise(noisy, 200),
            len(2, spanId(1).toByteArray()),
            str(5, "ünïcødé span"),
            noise(noisy, 300),
            uint(6, Span.SpanKind.SPAN_KIND_SERVER_VALUE),
            fixed64(7, BASE_START_NANOS),
            noise(noisy, 17),
            fixed64(8, BASE_START_NANOS + 10),
            attributes,
            len(15, noise(noisy, 4), uint(3, 2), noise(noisy, 5)),
            noise(noisy, 536_870_911));
    byte[] resource =
        cat(noise(noisy, 30), len(1, noise(noisy, 31), str(1, "service.name"),
            len(2, sv("svc"), noise(noisy, 32))), noise(noisy, 33));
    byte[] scopeSpans =
        cat(noise(noisy, 40), len(1, str(1, "scope"), noise(noisy, 41)), noise(noisy, 42),
            len(2, span), noise(noisy, 43), str(3, "schema"));
    byte[] resourceSpans =
        cat(noise(noisy, 50), len(1, resource), noise(noisy, 51), len(2, scopeSpans),
            noise(noisy, 52));
    return cat(noise(noisy, 60), len(1, resourceSpans), noise(noisy, 61));
  }

  /** Unknown fields numbered from {@code number}, of every wire type, including nested groups. */
  private static byte[] noise(boolean noisy, int number) {
    if (!noisy) {
      return new byte[0];
    }
    int n = Math.min(number, (1 << 29) - 5);
    byte[] deep = new byte[0];
    for (int i = 0; i < 40; i++) {
      deep = group(n + 4, uint(1, i), deep);
    }
    return cat(
        uint(n, 150),
        uint(n, -1L),
        fixed64(n + 1, -1L),
        len(n + 2, "ünknown 🚀".getBytes(UTF_8)),
        len(n + 2, new byte[] {(byte) 0xff, 0x00, 0x0a}),
        fixed32(n + 3, 0x12345678),
        group(n + 4, uint(1, 1), len(2, new byte[] {(byte) 0xff}), fixed64(3, 3), fixed32(4, 4),
            group(5, str(1, "nested"), group(6))),
        deep);
  }

  private static ByteString spanId(int index) {
    return ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", index)));
  }

  /** A span of the test trace, as protobuf-java writes it, for appending fields to. */
  private static byte[] spanBytes(String name, int id) {
    return Span.newBuilder()
        .setTraceId(TRACE_ID)
        .setSpanId(spanId(id))
        .setName(name)
        .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
        .setStartTimeUnixNano(BASE_START_NANOS)
        .setEndTimeUnixNano(BASE_START_NANOS + 1_000_000L)
        .build()
        .toByteArray();
  }

  private static byte[] tracesData(byte[]... resourceSpans) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] message : resourceSpans) {
      out.writeBytes(len(1, message));
    }
    return out.toByteArray();
  }

  /** ResourceSpans with the resource and one ScopeSpans of these spans. */
  private static byte[] resourceSpans(byte[] resource, byte[]... spans) {
    return cat(len(1, resource), len(2, scopeSpans(spans)));
  }

  private static byte[] scopeSpans(byte[]... spans) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] message : spans) {
      out.writeBytes(len(2, message));
    }
    return out.toByteArray();
  }

  /** A Resource of these KeyValue messages. */
  private static byte[] resource(byte[]... keyValues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] message : keyValues) {
      out.writeBytes(len(1, message));
    }
    return out.toByteArray();
  }

  /** A KeyValue message. */
  private static byte[] kv(String key, byte[] anyValue) {
    return cat(str(1, key), len(2, anyValue));
  }

  // AnyValue messages

  private static byte[] sv(String value) {
    return str(1, value);
  }

  private static byte[] bv(boolean value) {
    return uint(2, value ? 1 : 0);
  }

  private static byte[] iv(long value) {
    return uint(3, value);
  }

  private static byte[] dv(double value) {
    return fixed64(4, Double.doubleToRawLongBits(value));
  }

  private static byte[] av(byte[]... values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] value : values) {
      out.writeBytes(len(1, value));
    }
    return len(5, out.toByteArray());
  }

  private static byte[] kvl(byte[]... keyValues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] keyValue : keyValues) {
      out.writeBytes(len(1, keyValue));
    }
    return len(6, out.toByteArray());
  }

  private static byte[] bytesV(byte[] value) {
    return len(7, value);
  }

  // Fields

  private static byte[] tag(int number, int wireType) {
    return varint(Integer.toUnsignedLong(number << 3 | wireType));
  }

  private static byte[] len(int number, byte[]... payload) {
    byte[] bytes = cat(payload);
    return cat(tag(number, 2), varint(bytes.length), bytes);
  }

  private static byte[] str(int number, String value) {
    return len(number, value.getBytes(UTF_8));
  }

  private static byte[] uint(int number, long value) {
    return cat(tag(number, 0), varint(value));
  }

  private static byte[] fixed64(int number, long value) {
    byte[] bytes = new byte[8];
    for (int i = 0; i < 8; i++) {
      bytes[i] = (byte) (value >>> (8 * i));
    }
    return cat(tag(number, 1), bytes);
  }

  private static byte[] fixed32(int number, int value) {
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      bytes[i] = (byte) (value >>> (8 * i));
    }
    return cat(tag(number, 5), bytes);
  }

  private static byte[] group(int number, byte[]... contents) {
    return cat(tag(number, 3), cat(contents), tag(number, 4));
  }

  private static byte[] varint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long rest = value;
    while ((rest & ~0x7fL) != 0) {
      out.write((int) (rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    out.write((int) rest);
    return out.toByteArray();
  }

  private static byte[] filled(int length, byte value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, value);
    return bytes;
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
