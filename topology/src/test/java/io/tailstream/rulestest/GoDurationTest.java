package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {

  @Test
  void parsesEachUnit() {
    assertThat(GoDuration.parse("250ns")).isEqualTo(Duration.ofNanos(250));
    assertThat(GoDuration.parse("15us")).isEqualTo(Duration.ofNanos(15_000));
    assertThat(GoDuration.parse("15\u00b5s")).isEqualTo(Duration.ofNanos(15_000));
    assertThat(GoDuration.parse("120ms")).isEqualTo(Duration.ofMillis(120));
    assertThat(GoDuration.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(GoDuration.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(GoDuration.parse("1h")).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void parsesFractionsAndSequences() {
    assertThat(GoDuration.parse("1.2s")).isEqualTo(Duration.ofMillis(1200));
    assertThat(GoDuration.parse(".5ms")).isEqualTo(Duration.ofNanos(500_000));
    assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDuration.parse("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
    assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsWhatIsNotADuration() {
    for (String text : new String[] {"", "5", "5q", "-1s", "1s2", "ms", "1 s", "1.2.3s"}) {
      assertThatThrownBy(() -> GoDuration.parse(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "'"
                  + text
                  + "' is not a duration: write a number and a unit, like 120ms, "
                  + "1.5s or 2m");
    }
  }
}
