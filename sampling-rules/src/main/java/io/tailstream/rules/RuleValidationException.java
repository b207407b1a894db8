package io.tailstream.rules;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A rules file has one or more problems. The message lists every problem, one {@code
 * file:line:col: message} per line, in file order.
 */
public final class RuleValidationException extends Exception {

  private static final long serialVersionUID = 1L;

  private final List<RuleProblem> problems;

  /** Creates the exception for one or more problems, which it keeps in the given order. */
  public RuleValidationException(List<RuleProblem> problems) {
    super(problems.stream().map(RuleProblem::toString).collect(Collectors.joining("\n")));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a validation exception needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** Returns every problem, in file order. */
  public List<RuleProblem> problems() {
    return problems;
  }
}
