package io.tailstream.serdes.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OtTraceStateTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                                  | ot=th:c",
        "vendor=x                            | ot=th:c,vendor=x",
        "ot=th:0                             | ot=th:c",
        "ot=rv:abcdef01234567;th:0,vendor=x  | ot=th:c;rv:abcdef01234567,vendor=x",
        "ot=rv:abcdef01234567                | ot=th:c;rv:abcdef01234567",
        "a=1,ot=th:8;xx:y,b=2                | ot=th:c;xx:y,a=1,b=2",
        "'a=1 ,\t, ot=th:8 '                 | ot=th:c,a=1",
        "ot=th:1,ot=rv:ff                    | ot=th:c",
      })
  void setsThresholdAndKeepsTheRest(String traceState, String expected) {
    assertThat(OtTraceState.withThreshold(traceState, "c")).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {31, 32, 33})
  void keepsAtMost32Members(int otherMembers) {
    String traceState =
        IntStream.range(0, otherMembers)
            .mapToObj(i -> "k" + i + "=v")
            .collect(Collectors.joining(","));

    String result = OtTraceState.withThreshold(traceState, "8");

    assertThat(result.split(",")).hasSize(32).startsWith("ot=th:8", "k0=v");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "c", "f5c28f5c28f5c3", "fffffffffffff"})
  void acceptsOneToFourteenLowercaseHexDigits(String threshold) {
    assertThat(OtTraceState.isValidThreshold(threshold)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "C", "0x8", "f5c28f5c28f5c3f", "g"})
  void rejectsOtherThresholds(String threshold) {
    assertThat(OtTraceState.isValidThreshold(threshold)).isFalse();
  }
}
