package io.tailstream.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DecisionTest {

  @Test
  void keepHasRateOneAndNoThreshold() {
    assertThat(Decision.keep("errors"))
        .isEqualTo(new Decision(Decision.Outcome.KEEP, "errors", 1.0, null));
    assertThat(Decision.keep("errors").kept()).isTrue();
  }

  @Test
  void dropHasRateZeroAndNoThreshold() {
    assertThat(Decision.drop("noise"))
        .isEqualTo(new Decision(Decision.Outcome.DROP, "noise", 0.0, null));
    assertThat(Decision.drop("noise").kept()).isFalse();
  }

  @Test
  void rejectsARateOutsideZeroToOne() {
    assertThatThrownBy(() -> new Decision(Decision.Outcome.KEEP, "x", 1.5, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sampleRate was 1.5 but it must be between 0 and 1");
    assertThatThrownBy(() -> new Decision(Decision.Outcome.KEEP, "x", Double.NaN, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsAThresholdOnADroppedTrace() {
    assertThatThrownBy(() -> new Decision(Decision.Outcome.DROP, "x", 0.5, "8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a dropped trace has no OpenTelemetry threshold");
  }

  @Test
  void formatsProblemsAsFileLineColumnMessage() {
    assertThat(new RuleProblem("rules.yaml", 3, 11, "undeclared reference to 'trce'"))
        .hasToString("rules.yaml:3:11: undeclared reference to 'trce'");
  }

  @Test
  void labelsCompletionReasonsAsRulesSeeThem() {
    assertThat(CompletionReason.values())
        .extracting(CompletionReason::label)
        .containsExactly("idle", "root", "max_age", "span_limit");
  }
}
