package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.rules.RuleSet;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs the shipped example rules and their cases the way an SRE would, so CI fails when the
 * examples or the tools stop working.
 */
class ExampleRulesTest {

  // Tests run in the topology module's directory.
  private static final Path EXAMPLES = Path.of("../sampling-rules/examples");
  private static final Path RULES = EXAMPLES.resolve("rules.yaml");
  private static final Path CASES = EXAMPLES.resolve("cases.yaml");

  @Test
  void exampleRulesAreValid() {
    RulesCli.Result result = RulesCli.run("validate", RULES.toString());

    assertThat(result.err()).isEmpty();
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void everyExampleCasePasses() {
    RulesCli.Result result = RulesCli.run("test", RULES.toString(), CASES.toString());

    assertThat(result.err()).isEmpty();
    assertThat(result.out()).doesNotContain("FAIL").containsPattern("\\n\\d+ passed, 0 failed\\n$");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void exampleCasesReachEveryRule() throws Exception {
    RuleSet rules = RuleSet.load(RULES);
    List<RuleCase> cases = RuleCasesParser.parse(CASES, rules.ruleNames());

    Set<String> deciding = new LinkedHashSet<>();
    for (RuleCase ruleCase : cases) {
      deciding.add(RuleSet.load(RULES).evaluate(ruleCase.trace().view()).rule());
    }

    assertThat(deciding).containsExactlyInAnyOrderElementsOf(rules.ruleNames());
  }
}
