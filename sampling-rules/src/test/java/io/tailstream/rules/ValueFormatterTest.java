package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValueFormatterTest {

  @Test
  void writesDurationsLikeTheRulesFiles() {
    assertThat(ValueFormatter.duration(Duration.ZERO)).isEqualTo("0s");
    assertThat(ValueFormatter.duration(Duration.ofNanos(250))).isEqualTo("250ns");
    assertThat(ValueFormatter.duration(Duration.ofNanos(1_500))).isEqualTo("1.5us");
    assertThat(ValueFormatter.duration(Duration.ofMillis(120))).isEqualTo("120ms");
    assertThat(ValueFormatter.duration(Duration.ofNanos(2_500_001))).isEqualTo("2.500001ms");
    assertThat(ValueFormatter.duration(Duration.ofMillis(1200))).isEqualTo("1.2s");
    assertThat(ValueFormatter.duration(Duration.ofSeconds(150))).isEqualTo("2m30s");
    assertThat(ValueFormatter.duration(Duration.ofSeconds(3605))).isEqualTo("1h0m5s");
    assertThat(ValueFormatter.duration(Duration.ofMillis(-1500))).isEqualTo("-1.5s");
  }

  @Test
  void writesScalars() {
    assertThat(ValueFormatter.format(true)).isEqualTo("true");
    assertThat(ValueFormatter.format(42L)).isEqualTo("42");
    assertThat(ValueFormatter.format(0.25)).isEqualTo("0.25");
    assertThat(ValueFormatter.format(UnsignedLong.valueOf(7))).isEqualTo("7u");
    assertThat(ValueFormatter.format(null)).isEqualTo("null");
    assertThat(ValueFormatter.format(Instant.ofEpochSecond(1_700_000_000L)))
        .isEqualTo("2023-11-14T22:13:20Z");
    assertThat(ValueFormatter.format(ByteString.copyFrom(new byte[] {'a', 0, (byte) 0xff})))
        .isEqualTo("b\"a\\x00\\xff\"");
  }

  @Test
  void quotesAndEscapesStrings() {
    assertThat(ValueFormatter.format("/checkout")).isEqualTo("\"/checkout\"");
    assertThat(ValueFormatter.format("a \"b\"\\\n")).isEqualTo("\"a \\\"b\\\"\\\\\\n\"");
  }

  @Test
  void cutsLongStrings() {
    String formatted = ValueFormatter.format("x".repeat(100));

    assertThat(formatted).isEqualTo("\"" + "x".repeat(80) + "...\" (100 chars)");
  }

  @Test
  void cutsLongListsAndMaps() {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 1; i <= 7; i++) {
      map.put("k" + i, (long) i);
    }

    assertThat(ValueFormatter.format(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L)))
        .isEqualTo("[1, 2, 3, 4, 5, ... 2 more]");
    assertThat(ValueFormatter.format(map))
        .isEqualTo("{\"k1\": 1, \"k2\": 2, \"k3\": 3, \"k4\": 4, \"k5\": 5, ... 2 more}");
    assertThat(ValueFormatter.format(List.of())).isEqualTo("[]");
  }

  @Test
  void summarizesDeeplyNestedValues() {
    assertThat(ValueFormatter.format(Map.of("a", List.of(List.of(1L, 2L), Map.of("b", 1L)))))
        .isEqualTo("{\"a\": [[2 items], {1 entry}]}");
  }

  @Test
  void writesSpansByServiceAndName() {
    TraceView trace = TestTraces.trace().span(span("checkout", "POST /checkout")).view();

    assertThat(ValueFormatter.format(List.of(new SpanValue(trace.spans().get(0)))))
        .isEqualTo("[span{service: \"checkout\", name: \"POST /checkout\"}]");
    assertThat(ValueFormatter.format(new TraceValue(trace)))
        .isEqualTo("trace{id: \"" + TestTraces.TRACE_ID + "\"}");
  }

  @Test
  void writesOptionals() {
    assertThat(ValueFormatter.format(Optional.of("x"))).isEqualTo("optional.of(\"x\")");
    assertThat(ValueFormatter.format(Optional.empty())).isEqualTo("optional.none()");
  }
}
