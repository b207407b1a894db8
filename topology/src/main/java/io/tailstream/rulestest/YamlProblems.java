package io.tailstream.rulestest;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a YAML file as SnakeYAML's node tree, which keeps positions, and collects every problem
 * found in it as {@code file:line:col: message}.
 */
final class YamlProblems {

  private final String source;
  private final List<CaseProblem> problems = new ArrayList<>();

  YamlProblems(String source) {
    this.source = source;
  }

  String source() {
    return source;
  }

  /** Composes the document; returns null after reporting a syntax error or an empty file. */
  Node compose(String yaml, String emptyMessage) {
    Node document;
    try {
      document = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      at(mark, "invalid YAML: " + problem.strip());
      return null;
    } catch (YAMLException e) {
      at((Mark) null, "invalid YAML: " + e.getMessage());
      return null;
    }
    if (document == null || isNull(document)) {
      at((Mark) null, emptyMessage);
      return null;
    }
    return document;
  }

  /** Reports a problem at the start of {@code node}. */
  void at(Node node, String message) {
    at(node.getStartMark(), message);
  }

  /** Reports a problem at {@code mark}, or at the file's start when it is null. */
  void at(Mark mark, String message) {
    int line = mark == null ? 1 : mark.getLine() + 1;
    int column = mark == null ? 1 : mark.getColumn() + 1;
    problems.add(new CaseProblem(source, line, column, message));
  }

  /** Reports a problem at the file's start. */
  void atStart(String message) {
    at((Mark) null, message);
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  /** Throws the problems found so far, sorted by position, if there are any. */
  void throwIfAny() throws InvalidCasesException {
    if (!problems.isEmpty()) {
      List<CaseProblem> sorted = new ArrayList<>(problems);
      sorted.sort(Comparator.comparingInt(CaseProblem::line).thenComparingInt(CaseProblem::column));
      throw new InvalidCasesException(sorted);
    }
  }

  /**
   * Returns the value nodes of a mapping by key, in file order, after reporting keys that are not
   * strings, unknown or duplicated; or null after reporting a node that is not a mapping.
   *
   * @param what what the mapping is, for messages: "a case", "a span"
   * @param keys the keys it may have
   */
  Map<String, Node> mapping(Node node, String what, Set<String> keys, String keyHint) {
    if (!(node instanceof MappingNode)) {
      at(node, what + " must be a mapping with " + keyHint);
      return null;
    }
    Map<String, Node> values = new LinkedHashMap<>();
    for (NodeTuple tuple : ((MappingNode) node).getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode)) {
        at(keyNode, "keys must be strings");
        continue;
      }
      String key = ((ScalarNode) keyNode).getValue();
      if (!keys.contains(key)) {
        at(keyNode, "unknown key '" + key + "' in " + what + ": use " + keyHint);
      } else if (values.containsKey(key)) {
        at(keyNode, "duplicate key '" + key + "' in " + what);
      } else {
        values.put(key, tuple.getValueNode());
      }
    }
    return values;
  }

  /** Returns a scalar's text, or null after reporting a node that is not a non-null scalar. */
  String text(Node node, String what) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      at(node, what + " must be a string");
      return null;
    }
    return ((ScalarNode) node).getValue();
  }

  /** Returns a scalar's non-blank text, or null after reporting anything else. */
  String nonBlankText(Node node, String what) {
    String text = text(node, what);
    if (text != null && text.isBlank()) {
      at(node, what + " must not be empty");
      return null;
    }
    return text;
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }
}
