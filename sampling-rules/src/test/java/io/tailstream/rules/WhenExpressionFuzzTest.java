package io.tailstream.rules;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of a rule's {@code when} expression inside an otherwise valid rules
 * file: compilation, the mapping of CEL's positions to the file, and evaluation.
 *
 * <p>{@code ./mvnw verify} runs it on the seeds in {@code WhenExpressionFuzzTestInputs}, then
 * fuzzes it for a bounded time in its own surefire execution (see this module's pom).
 */
class WhenExpressionFuzzTest {

  private static final String WHEN_PREFIX = "    when: \"";
  private static final int WHEN_LINE = 3;

  /**
   * A {@code when} either compiles, and then its rule decides {@link RuleSetFuzzTest#CHECKOUT} the
   * same way every time without throwing (a failing expression counts as not matched), or the
   * file is rejected with problems that all point into the expression's line. Where the
   * expression is compiled to Java, the Java predicate agrees with CEL. Any other throwable, a
   * timeout or an out-of-memory error is a finding.
   */
  @FuzzTest(maxDuration = "12s")
  @Timeout(10)
  @DictionaryEntries({
    "trace.",
    "root.",
    "spans",
    "service",
    "name",
    "kind",
    "status",
    "duration",
    "attributes",
    "resource",
    "id",
    "span_count",
    "error_count",
    "service_count",
    "has_root",
    "start",
    "completion",
    "\"http.route\"",
    "\"sampling.priority\"",
    "\"payload\"",
    "\"tags\"",
    "\"map\"",
    " in ",
    ".exists(s, ",
    ".all(s, ",
    ".filter(s, ",
    ".map(s, ",
    "size(",
    "duration(\"1s\")",
    "timestamp(\"2023-11-14T22:13:20Z\")",
    "string(",
    "int(",
    ".startsWith(",
    ".matches(",
    " ? ",
    " && ",
    " || ",
    " == ",
    " >= ",
    " < ",
    "1u",
    "-0.0",
    "double(\"NaN\")",
    "[\"a\", 1]",
    ".endsWith(",
    ".contains("
  })
  void compilesAndEvaluatesWithoutThrowingOrReportsProblemsOnItsLine(byte[] input) {
    String when = new String(input, UTF_8);
    String yaml =
        "rules:\n"
            + "  - name: fuzzed\n"
            + WHEN_PREFIX
            + doubleQuoted(when)
            + "\"\n"
            + "    action: keep\n"
            + "  - name: default\n"
            + "    action: drop\n";
    RuleSet rules;
    try {
      rules = RuleSet.parse(yaml, "fuzzed.yaml");
    } catch (RuleValidationException e) {
      RuleSetFuzzTest.assertProblemsInside(yaml, e.problems());
      assertThat(e.problems())
          .allSatisfy(
              problem -> {
                assertThat(problem.line()).as("line of %s", problem).isEqualTo(WHEN_LINE);
                assertThat(problem.column())
                    .as("column of %s", problem)
                    .isGreaterThanOrEqualTo(WHEN_PREFIX.length());
              });
      return;
    }

    // Where the expression is compiled to Java, the Java predicate gives CEL's own result.
    CompiledWhen compiled = rules.compiledRules().get(0).when();
    if (compiled.isCompiledToJava()) {
      assertThat(compiled.predicate().test(new TraceVariables(RuleSetFuzzTest.CHECKOUT), null))
          .as("%s evaluated as %s", when, compiled)
          .isEqualTo(
              WhenPredicateCompilerTest.celResult(
                  CompiledWhen.celOnly(compiled.program()), RuleSetFuzzTest.CHECKOUT));
    }

    List<Exception> failures = new ArrayList<>();
    rules.onEvaluationFailure((rule, failure) -> failures.add(failure));
    Decision first = rules.evaluate(RuleSetFuzzTest.CHECKOUT);
    Decision second = rules.evaluate(RuleSetFuzzTest.CHECKOUT);
    assertThat(second).isEqualTo(first);
    assertThat(first.kept()).isEqualTo(first.rule().equals("fuzzed"));
    assertThat(failures.size()).as("failures of two evaluations").isIn(0, 2);
    if (!failures.isEmpty()) {
      assertThat(first.rule()).isEqualTo("default");
    }
  }

  /** The body of a YAML double-quoted scalar whose value is {@code value}. */
  private static String doubleQuoted(String value) {
    StringBuilder out = new StringBuilder();
    value
        .codePoints()
        .forEach(
            c -> {
              if (c == '"' || c == '\\') {
                out.append('\\').appendCodePoint(c);
              } else if (isPrintableOnOneLine(c)) {
                out.appendCodePoint(c);
              } else if (c <= 0xFFFF) {
                out.append(String.format("\\u%04x", c));
              } else {
                out.append(String.format("\\U%08x", c));
              }
            });
    return out.toString();
  }

  /** YAML's printable characters, less line breaks, tabs and the byte order mark. */
  private static boolean isPrintableOnOneLine(int c) {
    return (c >= 0x20 && c <= 0x7e)
        || (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029)
        || (c >= 0xe000 && c <= 0xfffd && c != 0xfeff)
        || (c >= 0x10000 && c <= 0x10ffff);
  }
}
