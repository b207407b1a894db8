package io.tailstream.rulestest;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A cases file or compact trace file has one or more problems. The message lists every problem, one
 * {@code file:line:col: message} per line, in file order.
 */
public final class InvalidCasesException extends Exception {

  private static final long serialVersionUID = 1L;

  private final List<CaseProblem> problems;

  InvalidCasesException(List<CaseProblem> problems) {
    super(problems.stream().map(CaseProblem::toString).collect(Collectors.joining("\n")));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an invalid-cases exception needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** Returns every problem, in file order. */
  public List<CaseProblem> problems() {
    return problems;
  }
}
