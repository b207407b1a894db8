package io.tailstream.rulestest;

import static java.util.Objects.requireNonNull;

/**
 * One problem in a cases file or a compact trace file.
 *
 * @param source the file name, as given to the parser
 * @param line 1-based line in the file
 * @param column 1-based column in the line, counted in Unicode code points
 * @param message what is wrong, without the position
 */
public record CaseProblem(String source, int line, int column, String message) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if {@code line} or {@code column} is below 1
   */
  public CaseProblem {
    requireNonNull(source, "source");
    requireNonNull(message, "message");
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException(
          "line and column were " + line + ":" + column + " but they must be at least 1");
    }
  }

  /** Returns {@code source:line:column: message}. */
  @Override
  public String toString() {
    return source + ":" + line + ":" + column + ": " + message;
  }
}
