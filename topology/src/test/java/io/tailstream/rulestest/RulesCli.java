package io.tailstream.rulestest;

import io.tailstream.cli.RulesCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code tailstream rules ...} in-process and captures what it prints. */
final class RulesCli {

  /**
   * What a command did.
   *
   * @param exitCode the exit code
   * @param out what it printed to stdout
   * @param err what it printed to stderr
   */
  record Result(int exitCode, String out, String err) {}

  private RulesCli() {}

  /** Runs {@code tailstream rules args...}. */
  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        new CommandLine(new RulesCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Result(exitCode, out.toString(), err.toString());
  }
}
