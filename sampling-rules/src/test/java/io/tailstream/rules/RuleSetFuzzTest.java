package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@link RuleSet#parse(String, String)} with whole rules files.
 *
 * <p>{@code ./mvnw verify} runs it on the seeds in {@code RuleSetFuzzTestInputs}, then fuzzes it
 * for a bounded time in its own surefire execution (see this module's pom). The {@code @Test}s
 * are its findings, as unit tests with the exact message.
 */
class RuleSetFuzzTest {

  /** A trace with attributes of every type, so that expressions can read each kind of value. */
  static final TraceView CHECKOUT =
      TestTraces.trace()
          .span(
              span("frontend", "GET /checkout")
                  .kind(SpanKind.SPAN_KIND_SERVER)
                  .duration(ofMillis(2500))
                  .attribute("http.route", "/checkout")
                  .attribute("http.response.status_code", 500L)
                  .attribute("sampling.priority", 1L)
                  .attribute("retry", true)
                  .attribute("ratio", 0.25)
                  .attribute("payload", new byte[] {0, 1, (byte) 0xff})
                  .attribute("tags", List.of("a", 2L, false))
                  .attribute("map", Map.of("nested", "v"))
                  .resourceAttribute("deployment.environment", "prod"))
          .span(
              span("checkout", "charge")
                  .kind(SpanKind.SPAN_KIND_CLIENT)
                  .start(ofMillis(100))
                  .duration(ofMillis(300))
                  .error()
                  .traceState("ot=th:8"))
          .span(span("payments", "authorize").status(StatusCode.STATUS_CODE_OK))
          .view(CompletionReason.MAX_AGE);

  /**
   * A rules file either parses, and then decides {@link #CHECKOUT} with one of its rules, or is
   * rejected with a {@link RuleValidationException} whose every problem points inside the file.
   * Any other throwable, a timeout or an out-of-memory error is a finding.
   */
  @FuzzTest(maxDuration = "12s")
  @Timeout(10)
  // libFuzzer's dictionary format has no raw line breaks: the fuzzer inserts those by itself.
  @DictionaryEntries({
    "rules:",
    "redact:",
    "- name: ",
    "when: ",
    "action: ",
    "keep",
    "drop",
    "{ sample: 0.5 }",
    "{ limit: { per-second: 10, key: root.name } }",
    "{ adaptive: { target-per-second: 5 } }",
    "per-second",
    "target-per-second",
    "key",
    "keys: ",
    "values: ",
    "hash",
    "remove",
    "{ mask: \"*\" }",
    ">-",
    "|-",
    "trace.error_count > 0",
    "root.attributes[\"http.route\"]",
    "spans.exists(s, ",
    "duration(\"2s\")"
  })
  void parsesOrReportsProblemsInsideTheFile(byte[] input) {
    String yaml = new String(input, UTF_8);
    RuleSet rules;
    try {
      rules = RuleSet.parse(yaml, "fuzzed.yaml");
    } catch (RuleValidationException e) {
      assertProblemsInside(yaml, e.problems());
      return;
    }
    Decision decision = rules.evaluate(CHECKOUT);
    assertThat(rules.ruleNames()).contains(decision.rule());
  }

  @Test
  void reportsEscapeSequenceCutShortByTheEndOfTheFile() {
    // The rest of the message is the JDK's, which may change between versions.
    assertThatThrownBy(() -> RuleSet.parse("rules: \"\\u", "fuzzed.yaml"))
        .isInstanceOf(RuleValidationException.class)
        .hasMessageStartingWith(
            "fuzzed.yaml:1:1: invalid YAML: the YAML parser failed with NumberFormatException: ");
  }

  /** Asserts that every problem is named after the file and points at a character of it. */
  static void assertProblemsInside(String yaml, List<RuleProblem> problems) {
    List<Integer> lineLengths = lineLengths(yaml);
    assertThat(problems).isNotEmpty();
    for (RuleProblem problem : problems) {
      assertThat(problem.source()).isEqualTo("fuzzed.yaml");
      assertThat(problem.message()).isNotBlank();
      assertThat(problem.line()).as("line of %s", problem).isBetween(1, lineLengths.size());
      assertThat(problem.column())
          .as("column of %s", problem)
          .isBetween(1, lineLengths.get(problem.line() - 1) + 1);
    }
  }

  /**
   * The length in code points of each line of {@code text}, split where SnakeYAML counts a line
   * break.
   */
  private static List<Integer> lineLengths(String text) {
    List<Integer> lengths = new ArrayList<>();
    int[] codePoints = text.codePoints().toArray();
    int length = 0;
    for (int i = 0; i < codePoints.length; i++) {
      int c = codePoints[i];
      // As in SnakeYAML, a '\r' at the very end of the input is not a line break.
      boolean crAlone = c == '\r' && i + 1 < codePoints.length && codePoints[i + 1] != '\n';
      if (c == '\n' || c == '\u0085' || c == '\u2028' || c == '\u2029' || crAlone) {
        lengths.add(length);
        length = 0;
      } else {
        length++;
      }
    }
    lengths.add(length);
    return lengths;
  }
}
