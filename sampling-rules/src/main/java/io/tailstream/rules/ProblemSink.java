package io.tailstream.rules;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.Node;

/** Collects problems found while reading a rules file, each at a YAML node's position. */
interface ProblemSink {

  /** Reports a problem at the start of {@code node}. */
  void problem(Node node, String message);

  /**
   * Reports every item whose name an earlier item already has, at the later name, naming the
   * line of the first.
   *
   * @param items the items in file order; null items and items without a name are skipped
   * @param name an item's name, or null
   * @param nameNode the node of an item's name
   * @param what what the items are, as in "duplicate {what} 'x'"
   */
  default <T> void checkUniqueNames(
      List<T> items, Function<T, String> name, Function<T, Node> nameNode, String what) {
    Map<String, T> firstByName = new HashMap<>();
    for (T item : items) {
      if (item == null || name.apply(item) == null) {
        continue;
      }
      T first = firstByName.putIfAbsent(name.apply(item), item);
      if (first != null) {
        problem(nameNode.apply(item), "duplicate " + what + " '" + name.apply(item)
            + "' (first defined at line "
            + SourcePosition.of(nameNode.apply(first).getStartMark()).line() + ")");
      }
    }
  }
}
