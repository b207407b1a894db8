package io.tailstream.serdes.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TraceIdsTest {

  @Test
  void convertsTraceIdToLowercaseHexAndBack() {
    byte[] traceId = {
      0x4b,
      (byte) 0xf9,
      0x2f,
      0x35,
      0x77,
      (byte) 0xb3,
      0x4d,
      (byte) 0xa6,
      (byte) 0xa3,
      (byte) 0xce,
      (byte) 0x92,
      (byte) 0x9d,
      0x0e,
      0x0e,
      0x47,
      0x36
    };

    String hex = TraceIds.toHex(traceId);

    assertThat(hex).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(TraceIds.fromHex(hex)).isEqualTo(traceId);
  }

  @Test
  void acceptsUppercaseHex() {
    assertThat(TraceIds.toHex(TraceIds.fromHex("5B8EFFF798038103D269B633813FC60C")))
        .isEqualTo("5b8efff798038103d269b633813fc60c");
  }

  @Test
  void rejectsHexOfTheWrongLength() {
    assertThatThrownBy(() -> TraceIds.fromHex("5b8efff7"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("trace ID must be 32 hex digits, but it has 8: \"5b8efff7\"");
  }

  @Test
  void rejectsNonHexCharacterWithItsIndex() {
    assertThatThrownBy(() -> TraceIds.fromHex("5b8efff798038103d269b633813fc60g"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "trace ID has a non-hex character 'g' at index 31:"
                + " \"5b8efff798038103d269b633813fc60g\"");
  }

  @Test
  void shortensLongInputInMessages() {
    assertThatThrownBy(() -> TraceIds.fromHex("a".repeat(100)))
        .hasMessage(
            "trace ID must be 32 hex digits, but it has 100: \""
                + "a".repeat(64)
                + "...\" (100 characters)");
  }

  @Test
  void rejectsTraceIdOfTheWrongLength() {
    assertThatThrownBy(() -> TraceIds.toHex(new byte[8]))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("trace ID must be 16 bytes, but it has 8");
  }
}
