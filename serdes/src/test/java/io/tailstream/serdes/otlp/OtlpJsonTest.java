package io.tailstream.serdes.otlp;

import static io.tailstream.serdes.otlp.TestTraces.attribute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpJsonTest {

  /** The example of opentelemetry-proto's {@code examples/trace.json}. */
  private static final TracesData SPECIFICATION_EXAMPLE =
      TracesData.newBuilder()
          .addResourceSpans(
              ResourceSpans.newBuilder()
                  .setResource(
                      Resource.newBuilder().addAttributes(attribute("service.name", "my.service")))
                  .addScopeSpans(
                      ScopeSpans.newBuilder()
                          .setScope(
                              InstrumentationScope.newBuilder()
                                  .setName("my.library")
                                  .setVersion("1.0.0")
                                  .addAttributes(
                                      attribute("my.scope.attribute", "some scope attribute")))
                          .addSpans(
                              Span.newBuilder()
                                  .setTraceId(hex("5b8efff798038103d269b633813fc60c"))
                                  .setSpanId(hex("eee19b7ec3c1b174"))
                                  .setParentSpanId(hex("eee19b7ec3c1b173"))
                                  .setName("I'm a server span")
                                  .setStartTimeUnixNano(1544712660000000000L)
                                  .setEndTimeUnixNano(1544712661000000000L)
                                  .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                                  .addAttributes(attribute("my.span.attr", "some value")))))
          .build();

  @ParameterizedTest
  @ValueSource(strings = {"otlp/trace.json", "otlp/trace-int64-strings.json"})
  void decodesTheSpecificationExample(String fixture) throws Exception {
    byte[] proto = OtlpJson.toProto(resource(fixture));

    assertThat(TracesData.parseFrom(proto)).isEqualTo(SPECIFICATION_EXAMPLE);
  }

  @Test
  void decodesEnumNamesLinksEventsAndEveryAttributeTypeIgnoringUnknownFields() throws Exception {
    byte[] proto = OtlpJson.toProto(resource("otlp/trace-links-events-enum-names.json"));

    Span span = TracesData.parseFrom(proto).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getTraceId()).isEqualTo(hex("4bf92f3577b34da6a3ce929d0e0e4736"));
    assertThat(span.getParentSpanId()).isEmpty();
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1700000000000000000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1700000000250000000L);
    assertThat(span.getFlags()).isEqualTo(257);
    assertThat(span.getLinks(0).getTraceId()).isEqualTo(hex("0af7651916cd43dd8448eb211c80319c"));
    assertThat(span.getLinks(0).getSpanId()).isEqualTo(hex("b7ad6b7169203331"));
    assertThat(span.getEvents(0).getTimeUnixNano()).isEqualTo(1700000000100000000L);
    assertThat(span.getAttributesList())
        .containsExactly(
            attribute("http.status_code", AnyValue.newBuilder().setIntValue(503).build()),
            attribute("retries", AnyValue.newBuilder().setIntValue(2).build()),
            attribute("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()),
            attribute("cached", AnyValue.newBuilder().setBoolValue(false).build()),
            attribute(
                "payload",
                AnyValue.newBuilder()
                    .setBytesValue(ByteString.copyFrom(new byte[] {0, 1, -1}))
                    .build()),
            attribute(
                "tags",
                AnyValue.newBuilder()
                    .setArrayValue(
                        ArrayValue.newBuilder()
                            .addValues(AnyValue.newBuilder().setStringValue("a"))
                            .addValues(AnyValue.newBuilder().setIntValue(1)))
                    .build()),
            attribute(
                "map",
                AnyValue.newBuilder()
                    .setKvlistValue(KeyValueList.newBuilder().addValues(attribute("k", "v")))
                    .build()));
  }

  @Test
  void decodesSnakeCaseFieldNamesWithHexIds() throws Exception {
    String json =
        "{\"resource_spans\":[{\"scope_spans\":[{\"spans\":["
            + "{\"trace_id\":\"5b8efff798038103d269b633813fc60c\","
            + "\"span_id\":\"eee19b7ec3c1b174\",\"parent_span_id\":\"eee19b7ec3c1b173\"}]}]}]}";

    Span span =
        TracesData.parseFrom(OtlpJson.toProto(utf8(json)))
            .getResourceSpans(0)
            .getScopeSpans(0)
            .getSpans(0);

    assertThat(span.getTraceId()).isEqualTo(hex("5b8efff798038103d269b633813fc60c"));
    assertThat(span.getParentSpanId()).isEqualTo(hex("eee19b7ec3c1b173"));
  }

  @Test
  void leavesFieldsNamedLikeIdsOutsideSpansAlone() throws Exception {
    String json =
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"traceId\",\"value\":"
            + "{\"stringValue\":\"not hex\"}}]},\"scopeSpans\":[]}]}";

    TracesData data = TracesData.parseFrom(OtlpJson.toProto(utf8(json)));

    assertThat(data.getResourceSpans(0).getResource().getAttributes(0))
        .isEqualTo(attribute("traceId", "not hex"));
  }

  @Test
  void splitsDecodedJson() {
    byte[] proto = OtlpJson.toProto(resource("otlp/trace.json"));

    assertThat(TraceSplitter.split(proto))
        .singleElement()
        .extracting(
            TraceFragment::traceIdHex, TraceFragment::spanCount, TraceFragment::rootSpanCount)
        .containsExactly("5b8efff798038103d269b633813fc60c", 1, 0);
  }

  @Test
  void roundTripsThroughJson() throws Exception {
    TracesData record = TestTraces.richRecord();

    String json = OtlpJson.toJson(record);

    assertThat(TracesData.parseFrom(OtlpJson.toProto(utf8(json)))).isEqualTo(record);
  }

  @Test
  void writesLowercaseHexIdsAndIntegerEnums() throws Exception {
    JsonNode json = new ObjectMapper().readTree(OtlpJson.toJson(SPECIFICATION_EXAMPLE));

    JsonNode span = json.at("/resourceSpans/0/scopeSpans/0/spans/0");
    assertThat(span.get("traceId").asText()).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(span.get("spanId").asText()).isEqualTo("eee19b7ec3c1b174");
    assertThat(span.get("parentSpanId").asText()).isEqualTo("eee19b7ec3c1b173");
    assertThat(span.get("kind").isInt()).isTrue();
    assertThat(span.get("kind").asInt()).isEqualTo(2);
    assertThat(span.get("startTimeUnixNano").asText()).isEqualTo("1544712660000000000");
  }

  @Test
  void writesLinkIdsAsHex() throws Exception {
    JsonNode json = new ObjectMapper().readTree(OtlpJson.toJson(TestTraces.richRecord()));

    JsonNode link = json.at("/resourceSpans/0/scopeSpans/0/spans/2/links/0");
    assertThat(link.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e0003");
    assertThat(link.get("spanId").asText()).isEqualTo("00f067aa0ba9001e");
  }

  @Test
  void rejectsInvalidHexWithItsPathAndPosition() {
    String json =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"eee19b7ec3c1b174\"},\n"
            + "{\"traceId\":\"5b8efff798038103d269b633813fc6zz\"}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.toProto(utf8(json)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "invalid OTLP JSON at line 2, column 12:"
                + " resourceSpans[0].scopeSpans[0].spans[1].traceId has a non-hex character 'z' at"
                + " index 30: \"5b8efff798038103d269b633813fc6zz\"");
  }

  @Test
  void rejectsIdOfTheWrongLength() {
    String json =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103\"}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.toProto(utf8(json)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "invalid OTLP JSON at line 1, column 55:"
                + " resourceSpans[0].scopeSpans[0].spans[0].traceId must be 32 hex digits, but it"
                + " has 16: \"5b8efff798038103\"");
  }

  @Test
  void rejectsLinkIdOfTheWrongLength() {
    String json =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":"
            + "[{\"links\":[{\"spanId\":\"abcd\"}]}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.toProto(utf8(json)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessageEndingWith(
            "resourceSpans[0].scopeSpans[0].spans[0].links[0].spanId must be 16 hex digits, but it"
                + " has 4: \"abcd\"");
  }

  @Test
  void rejectsIdThatIsNotAString() {
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":{}}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.toProto(utf8(json)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessageEndingWith(
            ": resourceSpans[0].scopeSpans[0].spans[0].spanId must be a string of hex digits, but"
                + " it is an object");
  }

  @Test
  void rejectsMalformedJsonWithLineAndColumn() {
    assertThatThrownBy(() -> OtlpJson.toProto(resource("otlp/malformed.json")))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessageStartingWith(
            "invalid OTLP JSON at line 3, column 8: Unexpected character (',' (code 44))");
  }

  @Test
  void rejectsValuesThatDoNotFitTheOtlpSchema() {
    String json =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.toProto(utf8(json)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessageStartingWith("invalid OTLP JSON: ")
        .hasMessageContaining("soon");
  }

  @Test
  void rejectsTopLevelValuesOtherThanOneObject() {
    assertThatThrownBy(() -> OtlpJson.toProto(utf8("[{}]")))
        .hasMessage(
            "invalid OTLP JSON at line 1, column 1: the top-level value must be an object, but it"
                + " is an array");
    assertThatThrownBy(() -> OtlpJson.toProto(utf8("{} {}")))
        .hasMessage(
            "invalid OTLP JSON at line 1, column 4: unexpected content after the top-level object");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  \n "})
  void rejectsEmptyRecord(String json) {
    assertThatThrownBy(() -> OtlpJson.toProto(utf8(json)))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage("empty record");
  }

  private static byte[] resource(String name) {
    try (InputStream in = OtlpJsonTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static ByteString hex(String hex) {
    return ByteString.copyFrom(Hex.decode(hex, hex.length() / 2, "test ID"));
  }
}
