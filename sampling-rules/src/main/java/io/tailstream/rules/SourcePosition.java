package io.tailstream.rules;

import org.yaml.snakeyaml.error.Mark;

/**
 * A position in a rules file.
 *
 * @param line 1-based line
 * @param column 1-based column, in code points
 */
record SourcePosition(int line, int column) {

  static final SourcePosition START = new SourcePosition(1, 1);

  /** SnakeYAML marks are 0-based. */
  static SourcePosition of(Mark mark) {
    return mark == null ? START : new SourcePosition(mark.getLine() + 1, mark.getColumn() + 1);
  }
}
