package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleSetLoadTest {

  private static final String DROP_ALL = "rules:\n  - name: default\n    action: drop\n";
  private static final Path EXAMPLE = Path.of("examples", "rules.yaml");

  @TempDir Path dir;

  @Test
  void loadsAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), DROP_ALL);

    RuleSet rules = RuleSet.load(file);

    assertThat(rules.ruleNames()).containsExactly("default");
    assertThat(rules.evaluate(TestTraces.trace().span(span("a", "x")).view()))
        .isEqualTo(Decision.drop("default"));
  }

  @Test
  void hashesTheFileBytes() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), DROP_ALL);

    // sha256sum of DROP_ALL, truncated to 16 hex characters.
    assertThat(RuleSet.load(file).hash()).isEqualTo("4c447b2a27926885");
    assertThat(RuleSet.parse(DROP_ALL, "inline").hash()).isEqualTo("4c447b2a27926885");
  }

  @Test
  void changesTheHashWithTheContent() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), DROP_ALL + "# a comment\n");

    assertThat(RuleSet.load(file).hash()).hasSize(16).isNotEqualTo("4c447b2a27926885");
  }

  @Test
  void namesProblemsWithThePathAsGiven() throws IOException {
    Path file = Files.writeString(dir.resolve("broken.yaml"), "rules: []\n");

    assertThatThrownBy(() -> RuleSet.load(file))
        .isInstanceOf(RuleValidationException.class)
        .hasMessage(file + ":1:8: rules file has no rules");
  }

  @Test
  void reportsAMissingFile() {
    Path missing = dir.resolve("missing.yaml");

    assertThatThrownBy(() -> RuleSet.load(missing))
        .isInstanceOf(RuleValidationException.class)
        .hasMessage(missing + ":1:1: the rules file does not exist");
  }

  @Test
  void reportsAFileThatIsNotUtf8() throws IOException {
    Path file =
        Files.write(dir.resolve("latin1.yaml"), "rules: [caf\u00e9]\n".getBytes(ISO_8859_1));

    assertThatThrownBy(() -> RuleSet.load(file))
        .isInstanceOf(RuleValidationException.class)
        .hasMessage(file + ":1:1: the rules file is not valid UTF-8");
  }

  @Test
  void readsUtf8() throws Exception {
    Path file =
        Files.write(
            dir.resolve("rules.yaml"),
            ("rules:\n"
                    + "  - name: caf\u00e9\n"
                    + "    when: root.name == 'caf\u00e9'\n"
                    + "    action: keep\n"
                    + "  - name: default\n"
                    + "    action: drop\n")
                .getBytes(UTF_8));

    Decision decision =
        RuleSet.load(file).evaluate(TestTraces.trace().span(span("a", "caf\u00e9")).view());

    assertThat(decision).isEqualTo(Decision.keep("caf\u00e9"));
  }

  @Test
  void shipsAValidExample() throws Exception {
    RuleSet rules = RuleSet.load(EXAMPLE);

    assertThat(rules.ruleNames())
        .containsExactly("drop-health-checks", "errors", "slow", "priority", "cap-batch-jobs",
            "catalog-per-endpoint", "default");
    assertThat(rules.redaction().entryNames())
        .containsExactly("emails", "credentials", "card-numbers");
  }

  @Test
  void decidesWithTheExampleRulesAsItsCommentsSay() throws Exception {
    RuleSet rules = RuleSet.load(EXAMPLE);
    TraceView healthCheck =
        TestTraces.trace()
            .span(span("frontend", "GET /healthz").attribute("http.route", "/healthz"))
            .view();
    TraceView error = TestTraces.trace().span(span("checkout", "charge").error()).view();
    TraceView slow =
        TestTraces.trace().span(span("checkout", "charge").duration(ofSeconds(3))).view();
    TraceView priority =
        TestTraces.trace()
            .span(span("frontend", "GET /"))
            .span(span("checkout", "charge").attribute("sampling.priority", 1L))
            .view();
    // The trace ID's randomness is 0 and 2^56 - 1: below and above the 5% threshold.
    TraceView boringLow =
        TestTraces.trace().traceId("ffffffffffffffffff00000000000000").span(span("a", "x")).view();
    TraceView boringHigh =
        TestTraces.trace().traceId("00000000000000000effffffffffffff").span(span("a", "x")).view();

    assertThat(rules.evaluate(healthCheck)).isEqualTo(Decision.drop("drop-health-checks"));
    assertThat(rules.evaluate(error)).isEqualTo(Decision.keep("errors"));
    assertThat(rules.evaluate(slow)).isEqualTo(Decision.keep("slow"));
    assertThat(rules.evaluate(priority)).isEqualTo(Decision.keep("priority"));
    assertThat(rules.evaluate(boringLow))
        .isEqualTo(new Decision(Decision.Outcome.DROP, "default", 0.05, null));
    assertThat(rules.evaluate(boringHigh))
        .isEqualTo(new Decision(Decision.Outcome.KEEP, "default", 0.05, "f3333333333333"));
    for (String rule : rules.ruleNames()) {
      assertThat(rules.evaluationFailures(rule)).as(rule).isZero();
    }
  }
}
