package io.tailstream.rules;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Maps positions inside a YAML scalar's value back to positions in the file, so that a CEL error
 * in a {@code when} points at the right file line and column.
 *
 * <p>The value is walked alongside the scalar's source text: each value character is matched to
 * the next source character that equals it, or that is also whitespace, which is what line
 * folding produces. Quotes, escapes, block indentation and block headers are skipped over. This is
 * exact for plain and quoted single-line scalars and for literal blocks, and close for folded
 * ones.
 */
final class ScalarPositions {

  private final int[] lines;
  private final int[] columns;
  private final int[] valueLineStarts;

  private ScalarPositions(int[] lines, int[] columns, int[] valueLineStarts) {
    this.lines = lines;
    this.columns = columns;
    this.valueLineStarts = valueLineStarts;
  }

  /**
   * Builds the map for a scalar.
   *
   * @param text the whole YAML input, as code points, which SnakeYAML's mark indexes count
   * @param node a scalar composed from that input
   */
  static ScalarPositions of(int[] text, ScalarNode node) {
    int[] value = node.getValue().codePoints().toArray();
    Mark start = node.getStartMark();
    Mark end = node.getEndMark();
    Cursor cursor = new Cursor(text, start.getIndex(), start.getLine(), start.getColumn());
    int limit = Math.min(text.length, end.getIndex());
    ScalarStyle style = node.getScalarStyle();
    if (style == ScalarStyle.SINGLE_QUOTED || style == ScalarStyle.DOUBLE_QUOTED) {
      cursor.advance();
    } else if (style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED) {
      // The block's content starts on the line after its "|" or ">" header.
      int line = cursor.line;
      while (cursor.index < limit && cursor.line == line) {
        cursor.advance();
      }
    }

    int[] lines = new int[value.length + 1];
    int[] columns = new int[value.length + 1];
    for (int i = 0; i < value.length; i++) {
      Cursor match = cursor.copy();
      while (match.index < limit && !matches(value[i], text[match.index])) {
        match.advance();
      }
      if (match.index < limit) {
        lines[i] = match.line;
        columns[i] = match.column;
        match.advance();
        cursor = match;
      } else {
        // Nothing matched, say for an escape sequence: stay where we are.
        lines[i] = cursor.line;
        columns[i] = cursor.column;
      }
    }
    lines[value.length] = cursor.line;
    columns[value.length] = cursor.column;
    return new ScalarPositions(lines, columns, lineStarts(value));
  }

  /**
   * Returns the file position of a position in the value.
   *
   * @param line 1-based line within the value, as CEL counts them
   * @param column 0-based code point column within that line, as CEL counts them
   */
  SourcePosition at(int line, int column) {
    int index = 0;
    if (line >= 1 && column >= 0) {
      int lineIndex = Math.min(line, valueLineStarts.length) - 1;
      index = Math.min(valueLineStarts[lineIndex] + column, lines.length - 1);
    }
    return new SourcePosition(lines[index] + 1, columns[index] + 1);
  }

  private static int[] lineStarts(int[] value) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < value.length; i++) {
      if (value[i] == '\n') {
        starts.add(i + 1);
      }
    }
    return starts.stream().mapToInt(Integer::intValue).toArray();
  }

  private static boolean matches(int valueChar, int sourceChar) {
    return valueChar == sourceChar || (isWhitespace(valueChar) && isWhitespace(sourceChar));
  }

  private static boolean isWhitespace(int c) {
    return c == ' ' || c == '\t' || isLineBreak(c) || c == '\r';
  }

  private static boolean isLineBreak(int c) {
    return c == '\n' || c == '\u0085' || c == '\u2028' || c == '\u2029';
  }

  /** A position in the input, advanced the way SnakeYAML's reader counts lines and columns. */
  private static final class Cursor {
    private final int[] text;
    private int index;
    private int line;
    private int column;

    Cursor(int[] text, int index, int line, int column) {
      this.text = text;
      this.index = index;
      this.line = line;
      this.column = column;
    }

    Cursor copy() {
      return new Cursor(text, index, line, column);
    }

    void advance() {
      int c = text[index++];
      boolean crAlone = c == '\r' && index < text.length && text[index] != '\n';
      if (isLineBreak(c) || crAlone) {
        line++;
        column = 0;
      } else if (c != '\uFEFF') {
        column++;
      }
    }
  }
}
