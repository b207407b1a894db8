package io.tailstream.cli;

import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.Explanation;
import io.tailstream.rules.RuleExplainer;
import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import io.tailstream.rules.TraceView;
import io.tailstream.rulestest.ExplanationPrinter;
import io.tailstream.rulestest.InvalidCasesException;
import io.tailstream.rulestest.RuleCase;
import io.tailstream.rulestest.RuleCaseRunner;
import io.tailstream.rulestest.RuleCasesParser;
import io.tailstream.rulestest.TraceFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tailstream rules ...}: offline tools for the rules file. Output goes to the command line's
 * out and err writers, so tests can run the commands in-process.
 */
@Command(
    name = "rules",
    description = "Validate, test and explain sampling rules offline.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    subcommands = {
      RulesCommand.Validate.class,
      RulesCommand.Test.class,
      RulesCommand.Explain.class
    })
public final class RulesCommand {

  /** Exit code for a rules file with problems, and for failing cases. */
  static final int INVALID = 1;

  /** Exit code for a trace that cannot be read. */
  static final int UNREADABLE_TRACE = 2;

  // Visible for testing: rule tests run the command in-process with captured output.
  public RulesCommand() {}

  /** {@code rules validate FILE}: exit 0, or 1 with {@code file:line:col: message} lines. */
  @Command(
      name = "validate",
      description = "Check a rules file; print file:line:col: message for every problem.",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class)
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      try {
        RuleSet rules = RuleSet.load(file);
        spec.commandLine()
            .getOut()
            .println(file + ": OK, " + rules.ruleNames().size() + " rules, hash " + rules.hash());
        return 0;
      } catch (RuleValidationException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return INVALID;
      }
    }
  }

  /**
   * {@code rules test RULES CASES}: runs each case's trace through the rules and checks the
   * decision; exit 0 when all pass, 1 when one fails or a file has problems.
   */
  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Run rule test cases: traces and the decisions the rules should make.",
        "Prints PASS or FAIL per case, with an explanation for each failure, then",
        "'N passed, N failed'. Exit 0 if all pass; 1 if one fails or a file has problems",
        "(printed as file:line:col: message, and no case runs)."
      })
  static final class Test implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RULES", description = "The rules file.")
    Path rules;

    @Parameters(
        index = "1",
        paramLabel = "CASES",
        description = "The cases file (YAML); trace-file paths are relative to it.")
    Path cases;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      RuleCaseRunner runner;
      try {
        runner = RuleCaseRunner.forRulesFile(rules);
      } catch (RuleValidationException e) {
        err.println(e.getMessage());
        return INVALID;
      }
      List<RuleCase> parsed;
      try {
        parsed = RuleCasesParser.parse(cases, runner.ruleNames());
      } catch (InvalidCasesException e) {
        err.println(e.getMessage());
        return INVALID;
      }
      RuleCaseRunner.Summary summary = runner.run(parsed, spec.commandLine().getOut());
      return summary.allPassed() ? 0 : INVALID;
    }
  }

  /**
   * {@code rules explain RULES TRACE}: shows each rule's outcome on one trace, the values of its
   * conditions, and the decision.
   */
  @Command(
      name = "explain",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Show how the rules decide one trace, rule by rule.",
        "Prints each rule in order with its outcome and the values of its conditions, then",
        "the decision. Stateful actions (limit, adaptive) start fresh, as if this were the",
        "first trace. Exit 0; 1 if the rules have problems; 2 if the trace cannot be read."
      })
  static final class Explain implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RULES", description = "The rules file.")
    Path rules;

    @Parameters(
        index = "1",
        paramLabel = "TRACE",
        description = "OTLP JSON with hex IDs (.json) or a compact trace (.yaml, .yml).")
    Path trace;

    @Option(
        names = "--completion",
        paramLabel = "REASON",
        description =
            "What trace.completion says: idle, root, max_age or span_limit (default: idle for"
                + " JSON, the compact trace's own completion for YAML).")
    String completion;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      RuleSet ruleSet;
      try {
        ruleSet = RuleSet.load(rules);
      } catch (RuleValidationException e) {
        err.println(e.getMessage());
        return INVALID;
      }
      CompletionReason reason = null;
      if (completion != null) {
        reason = completionReason(completion);
        if (reason == null) {
          err.println("--completion was '" + completion + "' but it must be one of " + labels());
          return UNREADABLE_TRACE;
        }
      }
      TraceView view;
      try {
        view = TraceFiles.read(trace, reason).view();
      } catch (InvalidCasesException e) {
        err.println(e.getMessage());
        return UNREADABLE_TRACE;
      }
      Explanation explanation = RuleExplainer.explain(ruleSet, view);
      out.println(ExplanationPrinter.summary(view));
      for (String line : ExplanationPrinter.lines(explanation, false)) {
        out.println(line);
      }
      out.flush();
      return 0;
    }

    private static CompletionReason completionReason(String label) {
      return Arrays.stream(CompletionReason.values())
          .filter(reason -> reason.label().equals(label))
          .findFirst()
          .orElse(null);
    }

    private static String labels() {
      return Arrays.stream(CompletionReason.values())
          .map(CompletionReason::label)
          .collect(Collectors.joining(", "));
    }
  }
}
