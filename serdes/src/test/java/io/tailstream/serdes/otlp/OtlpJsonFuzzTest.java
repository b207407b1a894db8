package io.tailstream.serdes.otlp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@link OtlpJson#toProto}.
 *
 * <p>{@code ./mvnw verify} runs it on the seeds in {@code OtlpJsonFuzzTestInputs}, then fuzzes it
 * for a bounded time in its own surefire execution (see this module's pom). The {@code @Test}s
 * are its findings, as unit tests with the exact message.
 */
class OtlpJsonFuzzTest {

  /**
   * The decoder either rejects a record with {@link CorruptSpanDataException} or returns a {@code
   * TracesData} that survives a round trip through {@link OtlpJson#toJson}. Any other throwable, a
   * timeout or an out-of-memory error is a finding.
   */
  @FuzzTest(maxDuration = "12s")
  @Timeout(10)
  // The field names and shapes that reach the ID transcoding, which the fuzzer would rarely guess.
  @DictionaryEntries({
    "\"resourceSpans\"",
    "\"resource_spans\"",
    "\"scopeSpans\"",
    "\"scope_spans\"",
    "\"spans\"",
    "\"links\"",
    "\"events\"",
    "\"attributes\"",
    "\"traceId\"",
    "\"trace_id\"",
    "\"spanId\"",
    "\"span_id\"",
    "\"parentSpanId\"",
    "\"parent_span_id\"",
    "\"5b8efff798038103d269b633813fc60c\"",
    "\"eee19b7ec3c1b174\"",
    "\"kind\"",
    "\"status\"",
    "\"code\"",
    "\"startTimeUnixNano\"",
    "\"value\"",
    "\"intValue\"",
    "\"doubleValue\"",
    "\"bytesValue\"",
    "\"arrayValue\"",
    "\"kvlistValue\"",
    "\"values\"",
    "null",
    "[{",
    "}]"
  })
  void decodesToRoundTrippingProtobufOrRejectsAsCorrupt(byte[] json) {
    byte[] proto;
    try {
      proto = OtlpJson.toProto(json);
    } catch (CorruptSpanDataException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }

    TracesData decoded = parse(proto);
    byte[] reencoded = OtlpJson.toJson(decoded).getBytes(UTF_8);
    assertThat(parse(OtlpJson.toProto(reencoded))).isEqualTo(decoded);
  }

  @Test
  void rejectsNumberTooLargeForBigDecimalAsCorrupt() {
    byte[] json =
        ("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
                + "{\"startTimeUnixNano\":1e9999999999}]}]}]}")
            .getBytes(UTF_8);

    assertThatThrownBy(() -> OtlpJson.toProto(json))
        .isExactlyInstanceOf(CorruptSpanDataException.class)
        .hasMessage(
            "invalid OTLP JSON at line 1, column 65: resourceSpans[0].scopeSpans[0].spans[0]"
                + ".startTimeUnixNano is a number out of range");
  }

  private static TracesData parse(byte[] proto) {
    try {
      return TracesData.parseFrom(proto);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("toProto wrote bytes that protobuf-java rejects", e);
    }
  }
}
