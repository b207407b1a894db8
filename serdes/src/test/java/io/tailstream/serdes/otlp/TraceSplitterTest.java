package io.tailstream.serdes.otlp;

import static io.tailstream.serdes.otlp.TestTraces.allSpans;
import static io.tailstream.serdes.otlp.TestTraces.attribute;
import static io.tailstream.serdes.otlp.TestTraces.referenceSplit;
import static io.tailstream.serdes.otlp.TestTraces.richRecord;
import static io.tailstream.serdes.otlp.TestTraces.span;
import static io.tailstream.serdes.otlp.TestTraces.traceId;
import static io.tailstream.serdes.otlp.WireBytes.bytes;
import static io.tailstream.serdes.otlp.WireBytes.concat;
import static io.tailstream.serdes.otlp.WireBytes.len;
import static io.tailstream.serdes.otlp.WireBytes.lenClaiming;
import static io.tailstream.serdes.otlp.WireBytes.varintField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceSplitterTest {

  @Test
  void splitsRecordWithManyTracesAndResourcesIntoOneFragmentPerTrace() throws Exception {
    TracesData record = richRecord();

    List<TraceFragment> fragments = TraceSplitter.split(record.toByteArray());

    Map<ByteString, TracesData> expected = referenceSplit(record);
    assertThat(fragments).hasSize(4);
    assertThat(fragments.stream().map(f -> ByteString.copyFrom(f.traceId())))
        .containsExactlyElementsOf(expected.keySet());
    for (TraceFragment fragment : fragments) {
      TracesData parsed = TracesData.parseFrom(fragment.tracesData());
      assertThat(parsed).isEqualTo(expected.get(ByteString.copyFrom(fragment.traceId())));
    }
  }

  @Test
  void writesFragmentsByteForByteAsProtobufJavaWouldSerializeThem() {
    TracesData record = richRecord();

    List<TraceFragment> fragments = TraceSplitter.split(record.toByteArray());

    List<byte[]> expected =
        referenceSplit(record).values().stream().map(TracesData::toByteArray).toList();
    assertThat(fragments.stream().map(TraceFragment::tracesData).toList())
        .containsExactlyElementsOf(expected);
  }

  @Test
  void keepsEveryFieldOfResourcesScopesAndSpans() throws Exception {
    TracesData record = richRecord();

    TraceFragment first = TraceSplitter.split(record.toByteArray()).get(0);

    ResourceSpans resourceSpans = TracesData.parseFrom(first.tracesData()).getResourceSpans(0);
    ResourceSpans original = record.getResourceSpans(0);
    assertThat(resourceSpans.getResource()).isEqualTo(original.getResource());
    assertThat(resourceSpans.getSchemaUrl()).isEqualTo("https://opentelemetry.io/schemas/1.26.0");
    assertThat(resourceSpans.getScopeSpans(0).getScope())
        .isEqualTo(original.getScopeSpans(0).getScope());
    assertThat(resourceSpans.getScopeSpans(0).getSchemaUrl())
        .isEqualTo("https://opentelemetry.io/schemas/1.24.0");
    assertThat(resourceSpans.getScopeSpans(0).getSpansList())
        .containsExactly(
            original.getScopeSpans(0).getSpans(0), original.getScopeSpans(0).getSpans(2));
  }

  @Test
  void concatenatedFragmentsHoldEverySpanExactlyOnce() throws Exception {
    TracesData record = richRecord();

    ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
    for (TraceFragment fragment : TraceSplitter.split(record.toByteArray())) {
      concatenated.writeBytes(fragment.tracesData());
    }

    assertThat(allSpans(TracesData.parseFrom(concatenated.toByteArray())))
        .hasSize(8)
        .containsExactlyInAnyOrderElementsOf(allSpans(record));
  }

  @Test
  void splitsExportTraceServiceRequestLikeTracesData() throws Exception {
    TracesData record = richRecord();
    ExportTraceServiceRequest request =
        ExportTraceServiceRequest.newBuilder()
            .addAllResourceSpans(record.getResourceSpansList())
            .build();

    List<TraceFragment> fragments = TraceSplitter.split(request.toByteArray());

    assertThat(fragments).containsExactlyElementsOf(TraceSplitter.split(record.toByteArray()));
    assertThat(TracesData.parseFrom(fragments.get(1).tracesData()))
        .isEqualTo(referenceSplit(record).get(traceId(2)));
  }

  @Test
  void computesSpanRootAndErrorCountsAndTimeRangePerFragment() {
    List<TraceFragment> fragments = TraceSplitter.split(richRecord().toByteArray());

    long base = TestTraces.BASE_NANOS;
    // Trace 1: spans 1 (root, error), 2, 3 and 4.
    assertThat(fragments.get(0))
        .extracting(
            TraceFragment::traceIdHex,
            TraceFragment::spanCount,
            TraceFragment::rootSpanCount,
            TraceFragment::errorCount,
            TraceFragment::minStartUnixNano,
            TraceFragment::maxEndUnixNano)
        .containsExactly("4bf92f3577b34da6a3ce929d0e0e0001", 4, 1, 1, base + 1_000, base + 4_500);
    // Trace 2: span 20 (status OK) and root span 21 without a start time.
    assertThat(fragments.get(1))
        .extracting(
            TraceFragment::spanCount,
            TraceFragment::rootSpanCount,
            TraceFragment::errorCount,
            TraceFragment::minStartUnixNano,
            TraceFragment::maxEndUnixNano)
        .containsExactly(2, 1, 0, base + 20_000, base + 21_500);
    // Trace 3: one root span without an end time.
    assertThat(fragments.get(2))
        .extracting(
            TraceFragment::spanCount,
            TraceFragment::minStartUnixNano,
            TraceFragment::maxEndUnixNano)
        .containsExactly(1, base + 30_000, 0L);
    // Trace 4: one child span with an error.
    assertThat(fragments.get(3))
        .extracting(
            TraceFragment::spanCount, TraceFragment::rootSpanCount, TraceFragment::errorCount)
        .containsExactly(1, 0, 1);
  }

  @Test
  void mergesRepeatedStatusFieldsAsProtobufDoes() {
    byte[] span =
        concat(
            span(1, 1, 0).build().toByteArray(),
            len(15, varintField(3, 2)),
            len(15, len(2, "still an error".getBytes(StandardCharsets.UTF_8))));
    byte[] record = len(1, len(2, len(2, span)));

    assertThat(TraceSplitter.split(record).get(0).errorCount()).isEqualTo(1);
  }

  /**
   * protobuf-java's 64-bit varint read (int64, bool, unknown fields) takes a tenth byte whose
   * continuation and lowest bits are both set; its 32-bit read (uint32, int32, enums) rejects it.
   * Found by fuzzing: the splitter skipped a span's dropped_events_count as 64-bit.
   */
  @Test
  void acceptsTenByteVarintsAsProtobufJavaDoesForEachFieldWidth() {
    byte[] nineContinued = new byte[9];
    Arrays.fill(nineContinued, (byte) 0x81);
    int acceptedCount = 0;
    int rejectedCount = 0;
    for (int tenth : new int[] {0x00, 0x01, 0x7f, 0x80, 0x81, 0xff}) {
      byte[] varint = concat(nineContinued, bytes(tenth));
      List<byte[]> spanFields = new ArrayList<>();
      for (int number : new int[] {6, 10, 12, 14, 100}) { // kind, dropped counts, unknown
        spanFields.add(concat(WireBytes.varint(number << 3), varint));
      }
      for (int number : new int[] {2, 3, 8}) { // AnyValue bool_value, int_value, strindex
        byte[] value = len(2, concat(WireBytes.varint(number << 3), varint));
        spanFields.add(len(9, len(1, "k".getBytes(StandardCharsets.UTF_8)), value));
      }
      spanFields.add(len(9, concat(WireBytes.varint(3 << 3), varint))); // KeyValue key_strindex
      for (byte[] field : spanFields) {
        byte[] span = concat(span(1, 1, 0).build().toByteArray(), field);
        if (assertSplitAgreesWithProtobuf(len(1, len(2, len(2, span))))) {
          acceptedCount++;
        } else {
          rejectedCount++;
        }
      }
    }
    assertThat(acceptedCount).isPositive();
    assertThat(rejectedCount).isPositive();
  }

  @Test
  void yieldsNoFragmentsForValidRecordWithoutSpans() {
    TracesData noSpans =
        TracesData.newBuilder()
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(TestTraces.resource("idle"))
                    .addScopeSpans(ScopeSpans.newBuilder().setScope(TestTraces.scope("s"))))
            .build();

    assertThat(TraceSplitter.split(noSpans.toByteArray())).isEmpty();
  }

  @Test
  void keepsUnknownFieldsAndSkipsUnknownGroups() throws Exception {
    UnknownFieldSet unknown =
        UnknownFieldSet.newBuilder()
            .addField(100, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
            .addField(
                101,
                UnknownFieldSet.Field.newBuilder()
                    .addGroup(
                        UnknownFieldSet.newBuilder()
                            .addField(1, UnknownFieldSet.Field.newBuilder().addFixed64(9).build())
                            .build())
                    .build())
            .addField(
                102,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFromUtf8("x"))
                    .build())
            .build();
    Span span = span(1, 1, 0).setUnknownFields(unknown).build();
    TracesData record =
        TracesData.newBuilder()
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .setUnknownFields(unknown)
                    .addScopeSpans(
                        ScopeSpans.newBuilder().setUnknownFields(unknown).addSpans(span)))
            .setUnknownFields(unknown)
            .build();

    List<TraceFragment> fragments = TraceSplitter.split(record.toByteArray());

    assertThat(fragments).hasSize(1);
    TracesData parsed = TracesData.parseFrom(fragments.get(0).tracesData());
    assertThat(parsed.getResourceSpans(0)).isEqualTo(record.getResourceSpans(0));
    assertThat(parsed.getResourceSpans(0).getScopeSpans(0).getSpans(0).getUnknownFields())
        .isEqualTo(unknown);
  }

  @Test
  void acceptsAnyValuesNestedAsDeeplyAsProtobufJavaDoes() {
    boolean sawAccepted = false;
    boolean sawRejected = false;
    for (int depth = 40; depth <= 52; depth++) {
      AnyValue value = AnyValue.newBuilder().setIntValue(1).build();
      for (int i = 0; i < depth; i++) {
        value =
            AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build();
      }
      TracesData record =
          TracesData.newBuilder()
              .addResourceSpans(
                  ResourceSpans.newBuilder()
                      .addScopeSpans(
                          ScopeSpans.newBuilder()
                              .addSpans(span(1, 1, 0).addAttributes(attribute("deep", value)))))
              .build();
      boolean accepted = assertSplitAgreesWithProtobuf(record.toByteArray());
      sawAccepted |= accepted;
      sawRejected |= !accepted;
    }
    assertThat(sawAccepted).isTrue();
    assertThat(sawRejected).isTrue();
  }

  @Test
  void rejectsEmptyRecord() {
    assertThatThrownBy(() -> TraceSplitter.split(new byte[0]))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage("empty record");
  }

  @Test
  void namesTheSpanThatEndsPastTheEndOfItsScopeSpans() {
    byte[] span = span(1, 1, 0).build().toByteArray();
    byte[] record =
        len(
            1,
            len(2),
            len(
                2,
                len(2, span),
                len(2, span),
                len(2, span),
                lenClaiming(2, span.length + 1, span)));

    assertThatThrownBy(() -> TraceSplitter.split(record))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "truncated protobuf: resource_spans[0].scope_spans[1].spans[3] ends past the end of"
                + " resource_spans[0].scope_spans[1]");
  }

  @Test
  void namesTheResourceSpansThatEndsPastTheEndOfTheInput() {
    byte[] record = richRecord().toByteArray();

    assertThatThrownBy(() -> TraceSplitter.split(Arrays.copyOf(record, record.length - 1)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage("truncated protobuf: resource_spans[2] ends past the end of the input");
  }

  @Test
  void rejectsSpanWithShortTraceId() {
    TracesData record =
        recordOf(
            span(1, 1, 0).build(),
            span(1, 2, 1).build(),
            span(1, 3, 1).setTraceId(ByteString.copyFrom(new byte[8])).build());

    assertThatThrownBy(() -> TraceSplitter.split(record.toByteArray()))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "span resource_spans[0].scope_spans[0].spans[2] has a trace_id of 8 bytes; it must be"
                + " 16");
  }

  @Test
  void rejectsSpanWithAllZeroTraceId() {
    TracesData record =
        recordOf(span(1, 1, 0).setTraceId(ByteString.copyFrom(new byte[16])).build());

    assertThatThrownBy(() -> TraceSplitter.split(record.toByteArray()))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage("span resource_spans[0].scope_spans[0].spans[0] has a trace_id of all zeros");
  }

  @Test
  void rejectsSpanWithoutTraceId() {
    TracesData record = recordOf(span(1, 1, 0).clearTraceId().build());

    assertThatThrownBy(() -> TraceSplitter.split(record.toByteArray()))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage("span resource_spans[0].scope_spans[0].spans[0] has no trace_id");
  }

  @Test
  void rejectsSpanWithMissingOrMalformedSpanIds() {
    assertThatThrownBy(
            () -> TraceSplitter.split(recordOf(span(1, 1, 0).clearSpanId().build()).toByteArray()))
        .hasMessage("span resource_spans[0].scope_spans[0].spans[0] has no span_id");
    assertThatThrownBy(
            () ->
                TraceSplitter.split(
                    recordOf(span(1, 1, 0).setSpanId(ByteString.copyFrom(new byte[4])).build())
                        .toByteArray()))
        .hasMessage(
            "span resource_spans[0].scope_spans[0].spans[0] has a span_id of 4 bytes; it must be"
                + " 8");
    assertThatThrownBy(
            () ->
                TraceSplitter.split(
                    recordOf(
                            span(1, 1, 0).setParentSpanId(ByteString.copyFrom(new byte[3])).build())
                        .toByteArray()))
        .hasMessage(
            "span resource_spans[0].scope_spans[0].spans[0] has a parent_span_id of 3 bytes; it"
                + " must be empty or 8");
  }

  @Test
  void rejectsInvalidUtf8InNestedAttributeWithItsPath() {
    TracesData record =
        recordOf(
            span(1, 1, 0)
                .addAttributes(attribute("ok", "fine"))
                .addAttributes(attribute("bad", "#INVALID#"))
                .build());
    byte[] bytes = record.toByteArray();
    int at = indexOf(bytes, "#INVALID#".getBytes(StandardCharsets.UTF_8));
    bytes[at] = (byte) 0xff;

    assertThatThrownBy(() -> TraceSplitter.split(bytes))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "malformed protobuf: resource_spans[0].scope_spans[0].spans[0].attributes[1].value"
                + ".string_value is not valid UTF-8");
  }

  /** The ASCII check reads eight bytes at a time: a bad byte anywhere, at any length, counts. */
  @Test
  void findsInvalidUtf8AtEveryPositionOfStringsOfEveryLength() throws Exception {
    for (int length = 1; length <= 24; length++) {
      String marker = "#".repeat(length);
      for (int bad = 0; bad < length; bad++) {
        byte[] bytes = recordOf(span(1, 1, 0).addAttributes(attribute("k", marker)).build())
            .toByteArray();
        int at = indexOf(bytes, marker.getBytes(StandardCharsets.UTF_8));
        bytes[at + bad] = (byte) 0xff;
        assertThatThrownBy(() -> TraceSplitter.split(bytes))
            .as("length %d, bad byte at %d", length, bad)
            .isExactlyInstanceOf(CorruptSpanDataException.class);
      }
      // Valid non-ASCII UTF-8 (a two-byte é) still passes.
      String text = "é" + "#".repeat(length);
      assertThat(TraceSplitter.split(recordOf(span(1, 1, 0)
          .addAttributes(attribute("k", text)).build()).toByteArray())).hasSize(1);
    }
  }

  @Test
  void rejectsInvalidWireTypeAndUnmatchedEndGroupTags() {
    assertThatThrownBy(() -> TraceSplitter.split(len(1, len(2, bytes(0x0f)))))
        .hasMessage(
            "malformed protobuf: resource_spans[0].scope_spans[0] has field 1 with invalid wire"
                + " type 7 at byte 4");
    assertThatThrownBy(() -> TraceSplitter.split(bytes(0x0c)))
        .hasMessage(
            "malformed protobuf: the input has an end-group tag for field 1 without a matching"
                + " start-group tag");
    assertThatThrownBy(() -> TraceSplitter.split(bytes(0x5b, 0x08, 0x01)))
        .hasMessage("truncated protobuf: group field 11 in the input has no end-group tag");
  }

  @Test
  void rejectsTruncationAtEveryBytePositionOrAgreesWithProtobufJava() {
    byte[] record = richRecord().toByteArray();
    int rejected = 0;
    for (int length = 0; length < record.length; length++) {
      if (!assertSplitAgreesWithProtobuf(Arrays.copyOf(record, length))) {
        rejected++;
      }
    }
    // Only the cuts after the first and the second resource spans leave a valid record.
    assertThat(rejected).isEqualTo(record.length - 2);
  }

  @Test
  void rejectsRandomGarbageWithOnlyCorruptSpanDataException() {
    Random random = new Random(20240917L);
    for (int i = 0; i < 20_000; i++) {
      byte[] garbage = new byte[random.nextInt(80)];
      random.nextBytes(garbage);
      assertSplitAgreesWithProtobuf(garbage);
    }
  }

  @Test
  void agreesWithProtobufJavaOnRandomlyMutatedRecords() {
    byte[] record = richRecord().toByteArray();
    Random random = new Random(7L);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] mutated = mutate(record, random);
      if (assertSplitAgreesWithProtobuf(mutated)) {
        accepted++;
      }
    }
    // Mutations inside strings, numbers and unknown fields keep records valid: make sure the
    // comparison covered both outcomes.
    assertThat(accepted).isBetween(1_000, 19_000);
  }

  private static byte[] mutate(byte[] record, Random random) {
    byte[] mutated = record.clone();
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int at = random.nextInt(mutated.length);
      switch (random.nextInt(4)) {
        case 0 -> mutated[at] = (byte) random.nextInt(256);
        case 1 -> mutated[at] ^= (byte) (1 << random.nextInt(8));
        case 2 ->
            mutated =
                concat(
                    Arrays.copyOf(mutated, at),
                    Arrays.copyOfRange(mutated, at + 1, mutated.length));
        default ->
            mutated =
                concat(
                    Arrays.copyOf(mutated, at),
                    bytes(random.nextInt(256)),
                    Arrays.copyOfRange(mutated, at, mutated.length));
      }
    }
    return mutated;
  }

  /**
   * Asserts that the splitter accepts exactly what protobuf-java parses (except empty input and
   * invalid IDs), with the same spans, and otherwise throws only CorruptSpanDataException. Returns
   * whether the input was split.
   */
  static boolean assertSplitAgreesWithProtobuf(byte[] input) {
    TracesData parsed;
    try {
      parsed = TracesData.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      parsed = null;
    }
    if (parsed == null || input.length == 0) {
      assertThatThrownBy(() -> TraceSplitter.split(input))
          .as("input %s", ByteString.copyFrom(input))
          .isExactlyInstanceOf(CorruptSpanDataException.class);
      return false;
    }
    String invalidSpan = firstSpanWithInvalidIds(parsed);
    if (invalidSpan != null) {
      assertThatThrownBy(() -> TraceSplitter.split(input))
          .as("input %s", ByteString.copyFrom(input))
          .isExactlyInstanceOf(CorruptSpanDataException.class)
          .hasMessageStartingWith("span " + invalidSpan + " has ")
          .hasMessageMatching(".* has (no |a |an ).*(trace_id|span_id).*");
      return false;
    }
    List<TraceFragment> fragments = TraceSplitter.split(input);
    List<TracesData> actual = new ArrayList<>();
    for (TraceFragment fragment : fragments) {
      try {
        actual.add(TracesData.parseFrom(fragment.tracesData()));
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("fragment does not parse", e);
      }
    }
    assertThat(actual)
        .as("input %s", ByteString.copyFrom(input))
        .containsExactlyElementsOf(referenceSplit(parsed).values());
    return true;
  }

  private static String firstSpanWithInvalidIds(TracesData data) {
    for (int r = 0; r < data.getResourceSpansCount(); r++) {
      ResourceSpans resourceSpans = data.getResourceSpans(r);
      for (int s = 0; s < resourceSpans.getScopeSpansCount(); s++) {
        List<Span> spans = resourceSpans.getScopeSpans(s).getSpansList();
        for (int i = 0; i < spans.size(); i++) {
          Span span = spans.get(i);
          boolean valid =
              span.getTraceId().size() == 16
                  && !span.getTraceId().equals(ByteString.copyFrom(new byte[16]))
                  && span.getSpanId().size() == 8
                  && (span.getParentSpanId().isEmpty() || span.getParentSpanId().size() == 8);
          if (!valid) {
            return "resource_spans[" + r + "].scope_spans[" + s + "].spans[" + i + "]";
          }
        }
      }
    }
    return null;
  }

  private static TracesData recordOf(Span... spans) {
    return TracesData.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(TestTraces.resource("checkout"))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  @Test
  void treatsSpanStatusErrorAsErrorOnly() {
    TracesData record =
        recordOf(
            span(1, 1, 0)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                .build(),
            span(1, 2, 1).setStatus(Status.newBuilder().setCodeValue(7)).build(),
            span(1, 3, 1)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR))
                .build());

    assertThat(TraceSplitter.split(record.toByteArray()).get(0).errorCount()).isEqualTo(1);
  }
}
