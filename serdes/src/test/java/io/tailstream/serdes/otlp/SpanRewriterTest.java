package io.tailstream.serdes.otlp;

import static io.tailstream.serdes.otlp.TestTraces.attribute;
import static io.tailstream.serdes.otlp.TestTraces.richRecord;
import static io.tailstream.serdes.otlp.TestTraces.span;
import static io.tailstream.serdes.otlp.WireBytes.bytes;
import static io.tailstream.serdes.otlp.WireBytes.concat;
import static io.tailstream.serdes.otlp.WireBytes.len;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SpanRewriterTest {

  @Test
  void addsSamplingRuleAttributeToEverySpanAndLeavesEverythingElseUntouched() throws Exception {
    TracesData record = richRecord();

    byte[] kept = SpanRewriter.markKept(record.toByteArray(), "errors", null);

    TracesData expected =
        mapSpans(record, span -> span.addAttributes(attribute("sampling.rule", "errors")));
    assertThat(TracesData.parseFrom(kept)).isEqualTo(expected);
    // Inserted where protobuf-java writes it, so a canonical input stays canonical.
    assertThat(kept).isEqualTo(expected.toByteArray());
  }

  @Test
  void setsThresholdInAnEmptyTraceState() throws Exception {
    assertThat(traceStateAfterMarking("", "c")).isEqualTo("ot=th:c");
  }

  @Test
  void putsOtMemberFirstAndKeepsOtherVendorsMembers() throws Exception {
    assertThat(traceStateAfterMarking("vendor=x", "c")).isEqualTo("ot=th:c,vendor=x");
  }

  @Test
  void replacesThresholdButKeepsRandomnessAndOtherMembers() throws Exception {
    assertThat(traceStateAfterMarking("ot=rv:abcdef01234567;th:0,vendor=x", "f5c28f5c28f5c3"))
        .isEqualTo("ot=th:f5c28f5c28f5c3;rv:abcdef01234567,vendor=x");
  }

  @Test
  void movesOtMemberToTheFront() throws Exception {
    assertThat(traceStateAfterMarking("a=1, ot=th:8 ,b=2", "c")).isEqualTo("ot=th:c,a=1,b=2");
  }

  @Test
  void writesTraceStateAndAttributeByteForByteAsProtobufJavaWould() throws Exception {
    TracesData record = richRecord();

    byte[] kept = SpanRewriter.markKept(record.toByteArray(), "sample", "c");

    TracesData expected =
        mapSpans(
            record,
            span ->
                span.addAttributes(attribute("sampling.rule", "sample"))
                    .setTraceState(OtTraceState.withThreshold(span.getTraceState(), "c")));
    assertThat(kept).isEqualTo(expected.toByteArray());
    assertThat(TestTraces.allSpans(TracesData.parseFrom(kept)))
        .extracting(Span::getTraceState)
        .containsOnly("ot=th:c", "ot=th:c,vendor=x");
  }

  @Test
  void replacesExistingSamplingRuleAttributeInsteadOfAddingADuplicate() throws Exception {
    Span span =
        span(1, 1, 0)
            .addAttributes(attribute("http.route", "/checkout"))
            .addAttributes(attribute("sampling.rule", "old"))
            .addAttributes(attribute("peer.service", "payment"))
            .addAttributes(attribute("sampling.rule", "older"))
            .build();

    byte[] kept = SpanRewriter.markKept(recordOf(span).toByteArray(), "slow", null);

    Span rewritten = TracesData.parseFrom(kept).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(rewritten.getAttributesList())
        .containsExactly(
            attribute("http.route", "/checkout"),
            attribute("sampling.rule", "slow"),
            attribute("peer.service", "payment"));
    assertThat(rewritten.toBuilder().clearAttributes().build())
        .isEqualTo(span.toBuilder().clearAttributes().build());
  }

  @Test
  void leavesTraceStateUnchangedWithoutThreshold() throws Exception {
    Span span = span(1, 1, 0).setTraceState("ot=th:8,vendor=x").build();

    byte[] kept = SpanRewriter.markKept(recordOf(span).toByteArray(), "keep-all", null);

    assertThat(
            TracesData.parseFrom(kept)
                .getResourceSpans(0)
                .getScopeSpans(0)
                .getSpans(0)
                .getTraceState())
        .isEqualTo("ot=th:8,vendor=x");
  }

  @Test
  void rewritesSpansWhoseFieldsAreOutOfOrderOrRepeated() throws Exception {
    // trace_state twice (the last one counts) and after the attributes; flags before everything.
    byte[] span =
        concat(
            span(1, 1, 0).build().toByteArray(),
            len(3, "first=1".getBytes(StandardCharsets.UTF_8)),
            len(9, attribute("a", "b").toByteArray()),
            len(3, "vendor=y".getBytes(StandardCharsets.UTF_8)));

    byte[] kept = SpanRewriter.markKept(len(1, len(2, len(2, span))), "r", "c");

    Span rewritten = TracesData.parseFrom(kept).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(rewritten.getTraceState()).isEqualTo("ot=th:c,vendor=y");
    assertThat(rewritten.getAttributesList())
        .containsExactly(attribute("a", "b"), attribute("sampling.rule", "r"));
  }

  @Test
  void rejectsTruncatedInputWithCorruptSpanDataException() {
    byte[] record = richRecord().toByteArray();
    for (int length = 1; length < record.length; length++) {
      byte[] truncated = Arrays.copyOf(record, length);
      try {
        byte[] kept = SpanRewriter.markKept(truncated, "r", "c");
        // A cut between whole resource spans is a smaller valid record.
        assertThat(TracesData.parseFrom(kept).getResourceSpansCount()).isLessThan(3);
      } catch (CorruptSpanDataException expected) {
        assertThat(expected.getMessage()).startsWith("truncated protobuf: ");
      } catch (Exception e) {
        throw new AssertionError("length " + length, e);
      }
    }
  }

  @Test
  void rejectsGarbageOnlyWithCorruptSpanDataException() {
    Random random = new Random(99L);
    for (int i = 0; i < 10_000; i++) {
      byte[] garbage = new byte[random.nextInt(64)];
      random.nextBytes(garbage);
      try {
        SpanRewriter.markKept(garbage, "r", "c");
      } catch (CorruptSpanDataException expected) {
        assertThat(expected.getMessage()).matches("(truncated|malformed) protobuf: .*");
      }
    }
  }

  @Test
  void namesTheTruncatedSpan() {
    byte[] record =
        len(1, len(2, len(2, span(1, 1, 0).build().toByteArray()), bytes(0x12, 0x05, 0x0a)));

    assertThatThrownBy(() -> SpanRewriter.markKept(record, "r", null))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "truncated protobuf: resource_spans[0].scope_spans[0].spans[1] ends past the end of"
                + " resource_spans[0].scope_spans[0]");
  }

  @Test
  void rejectsMalformedThresholdAndEmptyRuleName() {
    byte[] record = recordOf(span(1, 1, 0).build()).toByteArray();

    assertThatThrownBy(() -> SpanRewriter.markKept(record, "r", "C"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "otThreshold was 'C' but it must be 1 to 14 lowercase hex digits, the OpenTelemetry"
                + " 'th' format");
    assertThatThrownBy(() -> SpanRewriter.markKept(record, "r", "123456789abcdef"))
        .isExactlyInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SpanRewriter.markKept(record, "", null))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("ruleName must not be empty");
  }

  @Test
  void marksEveryFragmentOfASplitRecord() throws Exception {
    for (TraceFragment fragment : TraceSplitter.split(richRecord().toByteArray())) {
      byte[] kept = SpanRewriter.markKept(fragment.tracesData(), "errors", "8");

      assertThat(TraceSplitter.split(kept))
          .singleElement()
          .extracting(TraceFragment::traceIdHex, TraceFragment::spanCount)
          .containsExactly(fragment.traceIdHex(), fragment.spanCount());
      assertThat(TestTraces.allSpans(TracesData.parseFrom(kept)))
          .allSatisfy(
              span -> {
                assertThat(span.getTraceState()).startsWith("ot=th:8");
                assertThat(span.getAttributesList()).contains(attribute("sampling.rule", "errors"));
              });
    }
  }

  @Test
  void addsSamplingProbabilityToEverySpanOfAProbabilisticKeep() throws Exception {
    TracesData record = richRecord();

    byte[] kept = SpanRewriter.markKept(record.toByteArray(), "sample", "c", 0.25);

    TracesData expected =
        mapSpans(
            record,
            span ->
                span.addAttributes(attribute("sampling.rule", "sample"))
                    .addAttributes(attribute("sampling.probability", doubleValue(0.25)))
                    .setTraceState(OtTraceState.withThreshold(span.getTraceState(), "c")));
    assertThat(TracesData.parseFrom(kept)).isEqualTo(expected);
    assertThat(kept).isEqualTo(expected.toByteArray());
    assertThat(TestTraces.allSpans(TracesData.parseFrom(kept)))
        .hasSize(8)
        .allSatisfy(span -> assertThat(probabilityOf(span)).isEqualTo(0.25));
  }

  @Test
  void writesTheExactDoubleOfTheProbability() throws Exception {
    for (double probability : new double[] {0.1, 1.0 / 3, 1e-17, Math.nextDown(1.0), 1.0}) {
      Span span = span(1, 1, 0).build();

      byte[] kept =
          SpanRewriter.markKept(recordOf(span).toByteArray(), "sample", "8", probability);

      Span rewritten = onlySpan(kept);
      assertThat(Double.doubleToRawLongBits(probabilityOf(rewritten)))
          .isEqualTo(Double.doubleToRawLongBits(probability));
      assertThat(rewritten.toBuilder().clearAttributes().clearTraceState().build())
          .isEqualTo(span);
    }
  }

  @Test
  void addsNoSamplingProbabilityWithoutThreshold() throws Exception {
    byte[] record = richRecord().toByteArray();

    byte[] kept = SpanRewriter.markKept(record, "errors", null, 1.0);

    assertThat(kept).isEqualTo(SpanRewriter.markKept(record, "errors", null));
    assertThat(TestTraces.allSpans(TracesData.parseFrom(kept)))
        .flatExtracting(Span::getAttributesList)
        .extracting(KeyValue::getKey)
        .doesNotContain("sampling.probability");
  }

  @Test
  void ignoresProbabilityWithoutThreshold() throws Exception {
    byte[] record = recordOf(span(1, 1, 0).build()).toByteArray();

    assertThat(SpanRewriter.markKept(record, "errors", null, Double.NaN))
        .isEqualTo(SpanRewriter.markKept(record, "errors", null));
  }

  @Test
  void threeArgumentFormAddsNoSamplingProbability() throws Exception {
    byte[] kept =
        SpanRewriter.markKept(recordOf(span(1, 1, 0).build()).toByteArray(), "sample", "c");

    assertThat(onlySpan(kept).getAttributesList())
        .containsExactly(attribute("sampling.rule", "sample"));
  }

  @Test
  void replacesExistingSamplingProbabilityInPlace() throws Exception {
    Span span =
        span(1, 1, 0)
            .addAttributes(attribute("sampling.probability", doubleValue(0.5)))
            .addAttributes(attribute("http.route", "/checkout"))
            .addAttributes(attribute("sampling.probability", "stale"))
            .build();

    byte[] kept = SpanRewriter.markKept(recordOf(span).toByteArray(), "sample", "c", 0.25);

    Span rewritten = onlySpan(kept);
    assertThat(rewritten.getAttributesList())
        .containsExactly(
            attribute("sampling.probability", doubleValue(0.25)),
            attribute("http.route", "/checkout"),
            attribute("sampling.rule", "sample"));
    assertThat(rewritten.toBuilder().clearAttributes().clearTraceState().build())
        .isEqualTo(span.toBuilder().clearAttributes().build());
  }

  @Test
  void appendsSamplingProbabilityAfterAReplacedSamplingRule() throws Exception {
    Span span =
        span(1, 1, 0)
            .addAttributes(attribute("http.route", "/checkout"))
            .addAttributes(attribute("sampling.rule", "old"))
            .build();

    byte[] kept = SpanRewriter.markKept(recordOf(span).toByteArray(), "sample", "c", 0.5);

    assertThat(onlySpan(kept).getAttributesList())
        .containsExactly(
            attribute("http.route", "/checkout"),
            attribute("sampling.rule", "sample"),
            attribute("sampling.probability", doubleValue(0.5)));
  }

  @Test
  void keepsExistingSamplingProbabilityWithoutThreshold() throws Exception {
    Span span =
        span(1, 1, 0).addAttributes(attribute("sampling.probability", doubleValue(0.5))).build();

    byte[] kept = SpanRewriter.markKept(recordOf(span).toByteArray(), "errors", null, 1.0);

    assertThat(onlySpan(kept).getAttributesList())
        .containsExactly(
            attribute("sampling.probability", doubleValue(0.5)),
            attribute("sampling.rule", "errors"));
  }

  @Test
  void rejectsProbabilityOutsideZeroToOneWithThreshold() {
    byte[] record = recordOf(span(1, 1, 0).build()).toByteArray();

    for (double probability : new double[] {0.0, -0.5, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> SpanRewriter.markKept(record, "r", "c", probability))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessage("probability was " + probability + " but it must be above 0 and at most 1");
    }
  }

  @Test
  void rejectsTruncatedInputWithCorruptSpanDataExceptionWhenAddingProbability() {
    byte[] record = richRecord().toByteArray();
    for (int length = 1; length < record.length; length++) {
      byte[] truncated = Arrays.copyOf(record, length);
      try {
        byte[] kept = SpanRewriter.markKept(truncated, "r", "c", 0.5);
        assertThat(TracesData.parseFrom(kept).getResourceSpansCount()).isLessThan(3);
      } catch (CorruptSpanDataException expected) {
        assertThat(expected.getMessage()).startsWith("truncated protobuf: ");
      } catch (Exception e) {
        throw new AssertionError("length " + length, e);
      }
    }
  }

  private static AnyValue doubleValue(double value) {
    return AnyValue.newBuilder().setDoubleValue(value).build();
  }

  /** The value of the span's only {@code sampling.probability} attribute, a double. */
  private static double probabilityOf(Span span) {
    assertThat(span.getAttributesList())
        .filteredOn(attribute -> attribute.getKey().equals("sampling.probability"))
        .singleElement()
        .extracting(attribute -> attribute.getValue().getValueCase())
        .isEqualTo(AnyValue.ValueCase.DOUBLE_VALUE);
    return span.getAttributesList().stream()
        .filter(attribute -> attribute.getKey().equals("sampling.probability"))
        .findFirst()
        .orElseThrow()
        .getValue()
        .getDoubleValue();
  }

  private static Span onlySpan(byte[] tracesData) throws Exception {
    return TracesData.parseFrom(tracesData).getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  private static String traceStateAfterMarking(String traceState, String threshold)
      throws Exception {
    Span span = span(1, 1, 0).setTraceState(traceState).build();
    byte[] kept = SpanRewriter.markKept(recordOf(span).toByteArray(), "sample", threshold);
    Span rewritten = TracesData.parseFrom(kept).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(rewritten.toBuilder().clearTraceState().build())
        .isEqualTo(
            span.toBuilder()
                .clearTraceState()
                .addAttributes(attribute("sampling.rule", "sample"))
                .build());
    return rewritten.getTraceState();
  }

  private static TracesData mapSpans(TracesData data, UnaryOperator<Span.Builder> change) {
    TracesData.Builder builder = data.toBuilder();
    for (ResourceSpans.Builder resourceSpans : builder.getResourceSpansBuilderList()) {
      for (ScopeSpans.Builder scopeSpans : resourceSpans.getScopeSpansBuilderList()) {
        for (Span.Builder span : scopeSpans.getSpansBuilderList()) {
          change.apply(span);
        }
      }
    }
    return builder.build();
  }

  private static TracesData recordOf(Span span) {
    return TracesData.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(TestTraces.resource("checkout"))
                .addScopeSpans(
                    ScopeSpans.newBuilder().setScope(TestTraces.scope("lib")).addSpans(span)))
        .build();
  }
}
