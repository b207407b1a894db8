package io.tailstream.serdes.otlp;

import java.util.ArrayDeque;

/**
 * A wire-format problem found while walking a message, before the path to it is known in full.
 *
 * <p>Walkers throw it where they find the problem and each enclosing level adds its own path
 * segment while the exception unwinds, so the happy path never builds a path string. It is checked,
 * so that no walker forgets to convert it into a {@link CorruptSpanDataException}.
 */
final class MalformedProtobufException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Builds the final message from the dotted path of the subject and the path of its parent. */
  @FunctionalInterface
  interface Description {
    String describe(String path, String parentPath);
  }

  private final transient Description description;
  private final ArrayDeque<String> segments = new ArrayDeque<>();

  private MalformedProtobufException(Description description) {
    // Stack traces are useless here: the exception never escapes the walkers.
    super(null, null, false, false);
    this.description = description;
  }

  /** A problem with the message being walked. */
  static MalformedProtobufException inMessage(Description description) {
    return new MalformedProtobufException(description);
  }

  /** A problem with a field of the message being walked; {@code index} is -1 if not repeated. */
  static MalformedProtobufException inField(String name, int index, Description description) {
    return new MalformedProtobufException(description).within(name, index);
  }

  /** Adds the path segment of an enclosing message; {@code index} is -1 if not repeated. */
  MalformedProtobufException within(String name, int index) {
    segments.addFirst(segment(name, index));
    return this;
  }

  /** The problem as the public exception, with the full path in its message. */
  CorruptSpanDataException toCorruptSpanData() {
    return new CorruptSpanDataException(getMessage());
  }

  @Override
  public String getMessage() {
    String path = String.join(".", segments);
    int lastDot = path.lastIndexOf('.');
    String parentPath = lastDot < 0 ? "" : path.substring(0, lastDot);
    return description.describe(path, parentPath);
  }

  /** The subject of a message: its path, or "the input" for the top-level message. */
  static String where(String path) {
    return path.isEmpty() ? "the input" : path;
  }

  static String segment(String name, int index) {
    return index < 0 ? name : name + '[' + index + ']';
  }
}
