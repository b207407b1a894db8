package io.tailstream.rules;

import org.yaml.snakeyaml.nodes.Node;

/** Collects problems found while reading a rules file, each at a YAML node's position. */
interface ProblemSink {

  /** Reports a problem at the start of {@code node}. */
  void problem(Node node, String message);
}
