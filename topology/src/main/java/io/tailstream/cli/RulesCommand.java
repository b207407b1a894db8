package io.tailstream.cli;

import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tailstream rules ...}: offline tools for the rules file. */
@Command(name = "rules", description = "Validate and test sampling rules offline.",
    subcommands = {RulesCommand.Validate.class, RulesCommand.Test.class})
final class RulesCommand {

  /** {@code rules validate FILE}: exit 0, or 1 with {@code file:line:col: message} lines. */
  @Command(name = "validate", description = "Check a rules file; print file:line:col: message "
      + "for every problem.")
  static final class Validate implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      try {
        RuleSet rules = RuleSet.load(file);
        System.out.println(file + ": OK, " + rules.ruleNames().size() + " rules, hash "
            + rules.hash());
        return 0;
      } catch (RuleValidationException e) {
        System.err.println(e.getMessage());
        return 1;
      }
    }
  }

  /** {@code rules test RULES CASES}: not built yet; says so instead of pretending. */
  @Command(name = "test", description = "Run rule test cases (not implemented yet).")
  static final class Test implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RULES")
    Path rules;

    @Parameters(index = "1", paramLabel = "CASES")
    Path cases;

    @Override
    public Integer call() {
      System.err.println("tailstream rules test is not implemented yet; "
          + "see the README's limits section.");
      return 2;
    }
  }
}
