package io.tailstream.rules;

import org.yaml.snakeyaml.nodes.Node;

/** Reads the {@code redact:} section of a rules file. */
final class RedactionParser {

  private RedactionParser() {}

  /**
   * Parses the section's value node, reporting every problem to {@code problems}.
   *
   * @return the redaction; {@link Redaction#NONE} for an empty section or one with problems
   */
  static Redaction parse(Node section, ProblemSink problems) {
    problems.problem(section, "the 'redact' section is not implemented yet");
    return Redaction.NONE;
  }
}
