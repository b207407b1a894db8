package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.rules.Decision;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExplanationPrinterTest {

  @Test
  void writesTraceDurationsLikeGo() {
    assertThat(ExplanationPrinter.duration(Duration.ZERO)).isEqualTo("0s");
    assertThat(ExplanationPrinter.duration(Duration.ofNanos(1_500))).isEqualTo("1.5us");
    assertThat(ExplanationPrinter.duration(Duration.ofMillis(120))).isEqualTo("120ms");
    assertThat(ExplanationPrinter.duration(Duration.ofMillis(1510))).isEqualTo("1.51s");
    assertThat(ExplanationPrinter.duration(Duration.ofSeconds(150))).isEqualTo("2m30s");
    assertThat(ExplanationPrinter.duration(Duration.ofSeconds(3605))).isEqualTo("1h0m5s");
  }

  @Test
  void writesDecisionsWithTheirSampleRate() {
    assertThat(ExplanationPrinter.decision(Decision.keep("errors")))
        .isEqualTo("keep (sample rate 1)");
    assertThat(ExplanationPrinter.decisionByRule(Decision.drop("noise")))
        .isEqualTo("drop by rule 'noise' (sample rate 0)");
    assertThat(ExplanationPrinter.decision(new Decision(Decision.Outcome.DROP, "d", 0.05, null)))
        .isEqualTo("drop (sample rate 0.05)");
  }
}
