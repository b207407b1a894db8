package io.tailstream.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the {@code redact:} section of a rules file.
 *
 * <pre>{@code
 * redact:
 *   - name: emails                      # required, unique; the metric tag
 *     keys: ["user.email", "enduser.*"] # exact keys or globs; a list or one string
 *     action: hash                      # remove | hash | mask | { mask: "REPLACEMENT" }
 *   - name: bearer-tokens
 *     values: "Bearer [A-Za-z0-9._-]+"  # a Java regex searched for in string values
 *     action: { mask: "Bearer ***" }
 * }</pre>
 */
final class RedactionParser {

  private static final String NAME = "name";
  private static final String KEYS = "keys";
  private static final String VALUES = "values";
  private static final String ACTION = "action";
  private static final Set<String> ENTRY_KEYS = Set.of(NAME, KEYS, VALUES, ACTION);
  private static final String ENTRY_HINT = "'name', 'keys' or 'values', and 'action'";
  private static final String ACTION_HINT = "use remove, hash, mask or { mask: \"REPLACEMENT\" }";

  private final ProblemSink problems;
  private boolean failed;

  private RedactionParser(ProblemSink problems) {
    this.problems = problems;
  }

  /**
   * Parses the section's value node, reporting every problem to {@code problems}.
   *
   * @return the redaction; {@link Redaction#NONE} for an empty section or one with problems
   */
  static Redaction parse(Node section, ProblemSink problems) {
    return new RedactionParser(problems).parseSection(section);
  }

  private Redaction parseSection(Node section) {
    if (isNull(section)) {
      return Redaction.NONE;
    }
    if (!(section instanceof SequenceNode)) {
      problem(section, "'redact' must be a list of entries with " + ENTRY_HINT);
      return Redaction.NONE;
    }
    List<Node> entryNodes = ((SequenceNode) section).getValue();
    List<EntryDraft> drafts = new ArrayList<>(entryNodes.size());
    for (int i = 0; i < entryNodes.size(); i++) {
      drafts.add(parseEntry(entryNodes.get(i), i));
    }
    ProblemSink sink = this::problem;
    sink.checkUniqueNames(drafts, d -> d.name, d -> d.nameNode, "redact entry name");
    if (failed) {
      return Redaction.NONE;
    }
    List<RedactionEntry> entries = new ArrayList<>(drafts.size());
    for (EntryDraft draft : drafts) {
      entries.add(
          new RedactionEntry(
              draft.name, draft.keys, draft.values, draft.action, draft.replacement));
    }
    return new Redaction(entries);
  }

  /** Returns the draft of an entry, or null if it is not even a mapping. */
  private EntryDraft parseEntry(Node node, int index) {
    if (!(node instanceof MappingNode)) {
      problem(node, "a redact entry must be a mapping with " + ENTRY_HINT);
      return null;
    }
    List<NodeTuple> tuples = ((MappingNode) node).getValue();
    EntryDraft draft = new EntryDraft(index);
    for (NodeTuple tuple : tuples) {
      Node key = tuple.getKeyNode();
      if (key instanceof ScalarNode
          && NAME.equals(((ScalarNode) key).getValue())
          && draft.nameNode == null) {
        draft.nameNode = tuple.getValueNode();
        draft.name = parseName(tuple.getValueNode());
      }
    }
    String label = draft.label();
    if (draft.nameNode == null) {
      problem(node, label + " is missing 'name'");
    }
    Set<String> seen = new HashSet<>();
    for (NodeTuple tuple : tuples) {
      String key = scalarKey(tuple.getKeyNode());
      if (key == null) {
        continue;
      }
      if (!ENTRY_KEYS.contains(key)) {
        problem(
            tuple.getKeyNode(),
            "unknown key '"
                + key
                + "' in "
                + label
                + ": use 'name', 'keys', 'values' and 'action'");
        continue;
      }
      if (!seen.add(key)) {
        problem(tuple.getKeyNode(), "duplicate key '" + key + "' in " + label);
        continue;
      }
      switch (key) {
        case KEYS:
          draft.keys = parseKeys(tuple.getValueNode());
          break;
        case VALUES:
          draft.values = parseValues(tuple.getValueNode());
          break;
        case ACTION:
          parseAction(tuple.getValueNode(), draft);
          break;
        default:
          break;
      }
    }
    if (!seen.contains(KEYS) && !seen.contains(VALUES)) {
      problem(node, label + " needs 'keys', 'values' or both");
    }
    if (!seen.contains(ACTION)) {
      problem(node, label + " is missing 'action'");
    }
    return draft;
  }

  private String parseName(Node node) {
    String name =
        node instanceof ScalarNode && !isNull(node) ? ((ScalarNode) node).getValue().strip() : "";
    if (name.isEmpty()) {
      problem(node, "a redact entry name must be a non-empty string");
      return null;
    }
    return name;
  }

  private AttributeKeyMatcher parseKeys(Node node) {
    List<Node> keyNodes;
    if (node instanceof ScalarNode && !isNull(node)) {
      keyNodes = List.of(node);
    } else if (node instanceof SequenceNode) {
      keyNodes = ((SequenceNode) node).getValue();
      if (keyNodes.isEmpty()) {
        problem(node, "'keys' must list at least one attribute key");
        return null;
      }
    } else {
      problem(node, "'keys' must be an attribute key or a list of attribute keys");
      return null;
    }
    List<String> patterns = new ArrayList<>(keyNodes.size());
    for (Node keyNode : keyNodes) {
      if (!(keyNode instanceof ScalarNode) || isNull(keyNode)) {
        problem(keyNode, "an attribute key must be a string");
      } else if (((ScalarNode) keyNode).getValue().isEmpty()) {
        problem(keyNode, "an attribute key must not be empty");
      } else {
        patterns.add(((ScalarNode) keyNode).getValue());
      }
    }
    return patterns.size() == keyNodes.size() ? AttributeKeyMatcher.of(patterns) : null;
  }

  private Pattern parseValues(Node node) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      problem(node, "'values' must be one regex string; join alternatives with |");
      return null;
    }
    String regex = ((ScalarNode) node).getValue();
    if (regex.isEmpty()) {
      problem(node, "'values' must be a non-empty regex");
      return null;
    }
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      String near = e.getIndex() >= 0 ? " near index " + e.getIndex() : "";
      problem(node, "'values' is not a valid regex: " + e.getDescription() + near);
      return null;
    }
    if (pattern.matcher("").find()) {
      problem(
          node,
          "the 'values' regex '" + regex + "' matches the empty string; it must match at least one"
              + " character");
      return null;
    }
    return pattern;
  }

  private void parseAction(Node node, EntryDraft draft) {
    if (node instanceof ScalarNode && !isNull(node)) {
      String action = ((ScalarNode) node).getValue();
      switch (action) {
        case "remove":
          draft.action = RedactionEntry.Action.REMOVE;
          return;
        case "hash":
          draft.action = RedactionEntry.Action.HASH;
          return;
        case "mask":
          draft.action = RedactionEntry.Action.MASK;
          draft.replacement = RedactionEntry.DEFAULT_MASK;
          return;
        default:
          problem(node, "unknown redact action '" + action + "': " + ACTION_HINT);
          return;
      }
    }
    if (!(node instanceof MappingNode)) {
      problem(node, "'action' must be remove, hash, mask or { mask: \"REPLACEMENT\" }");
      return;
    }
    List<NodeTuple> tuples = ((MappingNode) node).getValue();
    if (tuples.size() != 1) {
      problem(node, "an action mapping must have exactly one key, like { mask: \"***\" }");
      return;
    }
    Node keyNode = tuples.get(0).getKeyNode();
    Node valueNode = tuples.get(0).getValueNode();
    String key = scalarKey(keyNode);
    if (key == null) {
      return;
    }
    switch (key) {
      case "mask":
        if (!(valueNode instanceof ScalarNode) || isNull(valueNode)) {
          problem(valueNode, "the mask replacement must be a string");
          return;
        }
        draft.action = RedactionEntry.Action.MASK;
        draft.replacement = ((ScalarNode) valueNode).getValue();
        return;
      case "remove":
      case "hash":
        problem(keyNode, "action '" + key + "' takes no value: write 'action: " + key + "'");
        return;
      default:
        problem(keyNode, "unknown redact action '" + key + "': " + ACTION_HINT);
    }
  }

  /** Returns a mapping key's text, or null after reporting a key that is not a scalar. */
  private String scalarKey(Node key) {
    if (key instanceof ScalarNode) {
      return ((ScalarNode) key).getValue();
    }
    problem(key, "keys must be strings");
    return null;
  }

  private static boolean isNull(Node node) {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }

  private void problem(Node node, String message) {
    failed = true;
    problems.problem(node, message);
  }

  /** An entry as read so far; its fields stay null where the file has a problem. */
  private static final class EntryDraft {
    private final int index;
    private Node nameNode;
    private String name;
    private AttributeKeyMatcher keys;
    private Pattern values;
    private RedactionEntry.Action action;
    private String replacement;

    EntryDraft(int index) {
      this.index = index;
    }

    /** "redact entry 'emails'", or "redact entry #3" for an entry without a usable name. */
    String label() {
      return name != null ? "redact entry '" + name + "'" : "redact entry #" + (index + 1);
    }
  }
}
