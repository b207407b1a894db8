package io.tailstream.rulestest;

import static java.util.Objects.requireNonNull;

import io.tailstream.rules.Explanation;
import io.tailstream.rules.RuleExplainer;
import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import io.tailstream.rules.TraceView;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs rule test cases against a rules file and writes a report:
 *
 * <pre>
 * PASS errors are kept
 * FAIL health checks are dropped
 *     case at cases.yaml:12:5
 *     expected: drop by rule 'drop-health-checks'
 *     actual:   keep by rule 'errors' (sample rate 1)
 *     trace 4bf92f3577b34da6a3ce929d0e0e4736: 1 span, 1 error, ...
 *     rule 1 'drop-health-checks': not matched
 *       when: ...
 *     rule 2 'errors': MATCHED
 *       ...
 *     decided by rule 'errors': keep (sample rate 1)
 *
 * 1 passed, 1 failed
 * </pre>
 *
 * <p>Each case runs against freshly loaded rules, so cases do not depend on each other: a {@code
 * limit} rule starts with a full bucket and an {@code adaptive} rule with its initial rate in every
 * case.
 */
public final class RuleCaseRunner {

  private static final String INDENT = "    ";

  private final Path rulesFile;
  private final String rulesYaml;
  private final RuleSet rules;

  private RuleCaseRunner(Path rulesFile, String rulesYaml, RuleSet rules) {
    this.rulesFile = rulesFile;
    this.rulesYaml = rulesYaml;
    this.rules = rules;
  }

  /** How many cases passed and failed. */
  public record Summary(int passed, int failed) {

    /** Returns whether no case failed. */
    public boolean allPassed() {
      return failed == 0;
    }

    /** Returns {@code N passed, N failed}. */
    @Override
    public String toString() {
      return passed + " passed, " + failed + " failed";
    }
  }

  /**
   * Loads and validates the rules under test.
   *
   * @param rulesFile the rules file
   * @return a runner for those rules
   * @throws RuleValidationException if the rules file cannot be read or has problems
   */
  public static RuleCaseRunner forRulesFile(Path rulesFile) throws RuleValidationException {
    requireNonNull(rulesFile, "rulesFile");
    RuleSet rules = RuleSet.load(rulesFile);
    String yaml;
    try {
      yaml = Files.readString(rulesFile);
    } catch (IOException e) {
      // It was read and decoded as UTF-8 a moment ago; losing it now is not a rules problem.
      throw new UncheckedIOException("cannot re-read " + rulesFile, e);
    }
    return new RuleCaseRunner(rulesFile, yaml, rules);
  }

  /** Returns the names of the rules under test, in evaluation order. */
  public List<String> ruleNames() {
    return rules.ruleNames();
  }

  /**
   * Runs the cases and writes {@code PASS name} or {@code FAIL name} and the explanation for each,
   * then the summary line {@code N passed, N failed}.
   *
   * @param cases the cases, run in order
   * @param out where the report goes; flushed at the end
   * @return how many passed and failed
   */
  public Summary run(List<RuleCase> cases, PrintWriter out) {
    int passed = 0;
    int failed = 0;
    for (RuleCase ruleCase : cases) {
      TraceView trace = ruleCase.trace().view();
      Explanation explanation = RuleExplainer.explain(freshRules(), trace);
      if (ruleCase.expectation().isMetBy(explanation.decision())) {
        passed++;
        out.println("PASS " + ruleCase.name());
        continue;
      }
      failed++;
      out.println("FAIL " + ruleCase.name());
      out.println(INDENT + "case at " + ruleCase.location());
      out.println(INDENT + "expected: " + ruleCase.expectation());
      out.println(
          INDENT + "actual:   " + ExplanationPrinter.decisionByRule(explanation.decision()));
      out.println(INDENT + ExplanationPrinter.summary(trace));
      for (String line : ExplanationPrinter.lines(explanation, true)) {
        out.println(INDENT + line);
      }
    }
    Summary summary = new Summary(passed, failed);
    out.println();
    out.println(summary);
    out.flush();
    return summary;
  }

  /** Rules with no state from earlier cases, for {@code limit} and {@code adaptive}. */
  private RuleSet freshRules() {
    try {
      return RuleSet.parse(rulesYaml, rulesFile.toString());
    } catch (RuleValidationException e) {
      throw new IllegalStateException("the rules were valid when loaded: " + e.getMessage(), e);
    }
  }
}
