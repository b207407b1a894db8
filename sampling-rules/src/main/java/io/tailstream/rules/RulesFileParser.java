package io.tailstream.rules;

import dev.cel.runtime.Program;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
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
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a rules file into compiled rules, collecting every problem with its file position. It
 * works on SnakeYAML's node tree rather than on constructed Java objects, because only the nodes
 * keep their positions.
 */
final class RulesFileParser implements ProblemSink {

  private static final String NAME = "name";
  private static final String WHEN = "when";
  private static final String ACTION = "action";
  private static final Set<String> RULE_KEYS = Set.of(NAME, WHEN, ACTION);
  private static final String ACTIONS =
      "keep, drop, { sample: P }, { limit: { per-second: N } }"
          + " or { adaptive: { target-per-second: N } }";
  private static final String ACTION_HINT = "use " + ACTIONS;
  private static final String LIMIT = "limit";
  private static final String ADAPTIVE = "adaptive";
  private static final String PER_SECOND = "per-second";
  private static final String TARGET_PER_SECOND = "target-per-second";
  private static final String KEY = "key";
  private static final String LIMIT_EXAMPLE = "{ limit: { per-second: 50 } }";
  private static final String ADAPTIVE_EXAMPLE = "{ adaptive: { target-per-second: 10 } }";

  private static final String RULES = "rules";
  private static final String REDACT = "redact";

  private final String source;
  private final String yaml;
  private final RuleContext context;
  private final int[] text;
  private final List<RuleProblem> problems = new ArrayList<>();
  private Redaction redaction = Redaction.NONE;

  private RulesFileParser(String yaml, String source, RuleContext context) {
    this.source = source;
    this.yaml = yaml;
    this.context = context;
    this.text = yaml.codePoints().toArray();
  }

  /** What a valid rules file holds. */
  record Parsed(List<CompiledRule> rules, Redaction redaction) {}

  /**
   * Parses and compiles a rules file.
   *
   * @throws RuleValidationException with every problem, in file order
   */
  static Parsed parse(String yaml, String source, RuleContext context)
      throws RuleValidationException {
    RulesFileParser parser = new RulesFileParser(yaml, source, context);
    List<CompiledRule> rules = parser.parseFile();
    if (!parser.problems.isEmpty()) {
      List<RuleProblem> sorted = new ArrayList<>(parser.problems);
      sorted.sort(Comparator.comparingInt(RuleProblem::line).thenComparingInt(RuleProblem::column));
      throw new RuleValidationException(sorted);
    }
    return new Parsed(rules, parser.redaction);
  }

  private List<CompiledRule> parseFile() {
    Node document;
    try {
      document = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      problem(SourcePosition.of(mark), "invalid YAML: " + problem.strip());
      return List.of();
    } catch (YAMLException e) {
      problem(SourcePosition.START, "invalid YAML: " + e.getMessage());
      return List.of();
    } catch (RuntimeException e) {
      // SnakeYAML lets some malformed input escape as other exceptions: an escape sequence cut
      // short by the end of the file (a backslash and 'u') as a NumberFormatException.
      problem(
          SourcePosition.START,
          "invalid YAML: the YAML parser failed with "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage());
      return List.of();
    }
    if (document == null || isNull(document)) {
      problem(SourcePosition.START, "rules file has no rules");
      return List.of();
    }
    if (!(document instanceof MappingNode)) {
      problem(document, "the rules file must be a mapping with a 'rules' list");
      return List.of();
    }
    Node rulesKey = null;
    Node rulesValue = null;
    Node redactKey = null;
    for (NodeTuple tuple : ((MappingNode) document).getValue()) {
      String key = scalarKey(tuple.getKeyNode());
      if (key == null) {
        continue;
      }
      if (key.equals(RULES)) {
        if (rulesKey != null) {
          problem(tuple.getKeyNode(), "duplicate key 'rules'");
        } else {
          rulesKey = tuple.getKeyNode();
          rulesValue = tuple.getValueNode();
        }
      } else if (key.equals(REDACT)) {
        if (redactKey != null) {
          problem(tuple.getKeyNode(), "duplicate key 'redact'");
        } else {
          redactKey = tuple.getKeyNode();
          redaction = RedactionParser.parse(tuple.getValueNode(), this);
        }
      } else {
        problem(tuple.getKeyNode(),
            "unknown key '" + key + "': the file has only 'rules' and 'redact'");
      }
    }
    if (rulesKey == null) {
      problem(document, "rules file has no rules");
      return List.of();
    }
    if (isNull(rulesValue)) {
      problem(rulesKey, "rules file has no rules");
      return List.of();
    }
    if (!(rulesValue instanceof SequenceNode)) {
      problem(rulesValue, "'rules' must be a list of rules");
      return List.of();
    }
    List<Node> ruleNodes = ((SequenceNode) rulesValue).getValue();
    if (ruleNodes.isEmpty()) {
      problem(rulesValue, "rules file has no rules");
      return List.of();
    }
    List<RuleDraft> drafts = new ArrayList<>(ruleNodes.size());
    for (int i = 0; i < ruleNodes.size(); i++) {
      drafts.add(parseRule(ruleNodes.get(i), i));
    }
    checkUniqueNames(drafts, d -> d.name, d -> d.nameNode, "rule name");
    checkCatchAll(drafts);
    List<CompiledRule> rules = new ArrayList<>(drafts.size());
    for (RuleDraft draft : drafts) {
      if (draft != null && draft.isComplete()) {
        rules.add(new CompiledRule(draft.name, draft.whenSource, draft.when, draft.action));
      }
    }
    return rules;
  }

  /** Returns the draft of a rule, or null if it is not even a mapping. */
  private RuleDraft parseRule(Node node, int index) {
    if (!(node instanceof MappingNode)) {
      problem(node, "a rule must be a mapping with 'name', 'when' and 'action'");
      return null;
    }
    List<NodeTuple> tuples = ((MappingNode) node).getValue();
    RuleDraft draft = new RuleDraft(node, index);
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
      problem(node, "rule is missing 'name'");
    }
    Set<String> seen = new HashSet<>();
    Node actionNode = null;
    for (NodeTuple tuple : tuples) {
      String key = scalarKey(tuple.getKeyNode());
      if (key == null) {
        continue;
      }
      if (!RULE_KEYS.contains(key)) {
        problem(tuple.getKeyNode(), "unknown key '" + key + "' in " + label);
        continue;
      }
      if (!seen.add(key)) {
        problem(tuple.getKeyNode(), "duplicate key '" + key + "' in " + label);
        continue;
      }
      if (key.equals(WHEN)) {
        draft.whenKey = tuple.getKeyNode();
        draft.when = compileWhen(tuple.getValueNode());
        if (tuple.getValueNode() instanceof ScalarNode) {
          draft.whenSource = ((ScalarNode) tuple.getValueNode()).getValue();
        }
      } else if (key.equals(ACTION)) {
        actionNode = tuple.getValueNode();
        draft.action = parseAction(actionNode);
      }
    }
    if (actionNode == null) {
      problem(node, label + " is missing 'action'");
    }
    return draft;
  }

  private String parseName(Node node) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      problem(node, "a rule name must be a non-empty string");
      return null;
    }
    String name = ((ScalarNode) node).getValue().strip();
    if (name.isEmpty()) {
      problem(node, "a rule name must be a non-empty string");
      return null;
    }
    return name;
  }

  private CompiledWhen compileWhen(Node node) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      problem(node, "'when' must be a CEL expression");
      return null;
    }
    ScalarNode scalar = (ScalarNode) node;
    if (scalar.getValue().isBlank()) {
      problem(node, "'when' must be a CEL expression, but it is empty");
      return null;
    }
    WhenCompiler.Compiled compiled = WhenCompiler.compile(scalar.getValue());
    if (compiled.program() != null) {
      return CompiledWhen.of(compiled.program(), compiled.ast());
    }
    ScalarPositions positions = ScalarPositions.of(text, scalar);
    for (WhenCompiler.Issue issue : compiled.issues()) {
      problem(positions.at(issue.line(), issue.column()), issue.message());
    }
    return null;
  }

  private RuleAction parseAction(Node node) {
    if (node instanceof ScalarNode && !isNull(node)) {
      String action = ((ScalarNode) node).getValue();
      switch (action) {
        case "keep":
          return FixedAction.KEEP;
        case "drop":
          return FixedAction.DROP;
        case "sample":
          problem(node, "action 'sample' needs a probability, like { sample: 0.1 }");
          return null;
        case LIMIT:
          problem(node, "action 'limit' needs a rate, like " + LIMIT_EXAMPLE);
          return null;
        case ADAPTIVE:
          problem(node, "action 'adaptive' needs a target rate, like " + ADAPTIVE_EXAMPLE);
          return null;
        default:
          problem(node, "unknown action '" + action + "': " + ACTION_HINT);
          return null;
      }
    }
    if (!(node instanceof MappingNode)) {
      problem(node, "'action' must be " + ACTIONS);
      return null;
    }
    List<NodeTuple> tuples = ((MappingNode) node).getValue();
    if (tuples.size() != 1) {
      problem(node, "an action mapping must have exactly one key, like { sample: 0.1 }");
      return null;
    }
    Node keyNode = tuples.get(0).getKeyNode();
    String key = scalarKey(keyNode);
    if (key == null) {
      return null;
    }
    switch (key) {
      case "sample":
        return parseSample(tuples.get(0).getValueNode());
      case LIMIT:
        return parseLimit(keyNode, tuples.get(0).getValueNode());
      case ADAPTIVE:
        return parseAdaptive(keyNode, tuples.get(0).getValueNode());
      default:
        problem(keyNode, "unknown action '" + key + "': " + ACTION_HINT);
        return null;
    }
  }

  private RuleAction parseSample(Node node) {
    if (!(node instanceof ScalarNode)
        || isNull(node)
        || ((ScalarNode) node).getScalarStyle() != ScalarStyle.PLAIN) {
      problem(node, "sample probability must be a number between 0 and 1");
      return null;
    }
    String text = ((ScalarNode) node).getValue();
    BigDecimal probability;
    try {
      probability = new BigDecimal(text);
    } catch (NumberFormatException e) {
      problem(
          node,
          "sample probability was '" + text + "' but it must be a number between 0 and 1");
      return null;
    }
    if (probability.signum() < 0 || probability.compareTo(BigDecimal.ONE) > 0) {
      problem(node, "sample probability was " + text + " but it must be between 0 and 1");
      return null;
    }
    return SampleAction.of(probability);
  }

  private RuleAction parseLimit(Node actionKey, Node node) {
    RateSettings settings = parseRateSettings(LIMIT, PER_SECOND, LIMIT_EXAMPLE, actionKey, node);
    return settings == null ? null : new LimitAction(settings.perSecond(), settings.key(), context);
  }

  private RuleAction parseAdaptive(Node actionKey, Node node) {
    RateSettings settings =
        parseRateSettings(ADAPTIVE, TARGET_PER_SECOND, ADAPTIVE_EXAMPLE, actionKey, node);
    return settings == null
        ? null
        : new AdaptiveAction(settings.perSecond(), settings.key(), context);
  }

  /** What {@code limit} and {@code adaptive} are configured with. */
  private record RateSettings(double perSecond, Program key) {}

  /**
   * Parses the mapping of a {@code limit} or {@code adaptive} action: a rate under {@code
   * rateKey} and an optional {@code key} expression.
   *
   * @param action the action's name
   * @param example the smallest valid action, for messages
   * @param actionKey the action's key node, where problems with the mapping as a whole go
   * @return the settings, or null after reporting every problem
   */
  private RateSettings parseRateSettings(
      String action, String rateKey, String example, Node actionKey, Node node) {
    if (isNull(node)) {
      problem(actionKey, "action '" + action + "' needs a mapping, like " + example);
      return null;
    }
    if (!(node instanceof MappingNode)) {
      problem(node, "action '" + action + "' needs a mapping, like " + example);
      return null;
    }
    Set<String> seen = new HashSet<>();
    double perSecond = Double.NaN;
    Program key = null;
    boolean valid = true;
    for (NodeTuple tuple : ((MappingNode) node).getValue()) {
      String name = scalarKey(tuple.getKeyNode());
      if (name == null) {
        valid = false;
      } else if (!name.equals(rateKey) && !name.equals(KEY)) {
        problem(
            tuple.getKeyNode(),
            "unknown key '" + name + "' in action '" + action + "': use " + rateKey + " and key");
        valid = false;
      } else if (!seen.add(name)) {
        problem(tuple.getKeyNode(), "duplicate key '" + name + "' in action '" + action + "'");
        valid = false;
      } else if (name.equals(rateKey)) {
        perSecond = parsePerSecond(rateKey, tuple.getValueNode());
        valid &= perSecond > 0.0;
      } else {
        key = compileKey(tuple.getValueNode());
        valid &= key != null;
      }
    }
    if (!seen.contains(rateKey)) {
      problem(actionKey, "action '" + action + "' is missing '" + rateKey + "', like " + example);
      return null;
    }
    return valid ? new RateSettings(perSecond, key) : null;
  }

  /** Returns a positive rate in traces per second, or NaN after reporting a problem. */
  private double parsePerSecond(String name, Node node) {
    if (!(node instanceof ScalarNode)
        || isNull(node)
        || ((ScalarNode) node).getScalarStyle() != ScalarStyle.PLAIN) {
      problem(node, "'" + name + "' must be a positive number");
      return Double.NaN;
    }
    String text = ((ScalarNode) node).getValue();
    BigDecimal rate;
    try {
      rate = new BigDecimal(text);
    } catch (NumberFormatException e) {
      problem(node, "'" + name + "' was '" + text + "' but it must be a positive number");
      return Double.NaN;
    }
    if (rate.signum() <= 0) {
      problem(node, "'" + name + "' was " + text + " but it must be positive");
      return Double.NaN;
    }
    double perSecond = rate.doubleValue();
    if (perSecond == 0.0 || Double.isInfinite(perSecond)) {
      problem(node, "'" + name + "' was " + text + " but it is out of range");
      return Double.NaN;
    }
    return perSecond;
  }

  private Program compileKey(Node node) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      problem(node, "'key' must be a CEL expression");
      return null;
    }
    ScalarNode scalar = (ScalarNode) node;
    if (scalar.getValue().isBlank()) {
      problem(node, "'key' must be a CEL expression, but it is empty");
      return null;
    }
    WhenCompiler.Compiled compiled = KeyCompiler.compile(scalar.getValue());
    if (compiled.program() != null) {
      return compiled.program();
    }
    ScalarPositions positions = ScalarPositions.of(text, scalar);
    for (WhenCompiler.Issue issue : compiled.issues()) {
      problem(positions.at(issue.line(), issue.column()), issue.message());
    }
    return null;
  }

  private void checkCatchAll(List<RuleDraft> drafts) {
    int last = drafts.size() - 1;
    for (int i = 0; i < last; i++) {
      RuleDraft draft = drafts.get(i);
      if (draft != null && draft.whenKey == null) {
        problem(
            draft.node,
            draft.label()
                + " has no 'when' but is not the last rule, so the rules after it can never"
                + " match");
      }
    }
    RuleDraft lastRule = drafts.get(last);
    if (lastRule != null && lastRule.whenKey != null) {
      problem(
          lastRule.whenKey,
          "the last " + lastRule.label() + " must have no 'when': it is the catch-all");
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

  @Override
  public void problem(Node node, String message) {
    problem(SourcePosition.of(node.getStartMark()), message);
  }

  private void problem(SourcePosition position, String message) {
    problems.add(new RuleProblem(source, position.line(), position.column(), message));
  }

  /** A rule as read so far; its fields stay null where the file has a problem. */
  private static final class RuleDraft {
    private final Node node;
    private final int index;
    private Node nameNode;
    private String name;
    private Node whenKey;
    private String whenSource;
    private CompiledWhen when;
    private RuleAction action;

    RuleDraft(Node node, int index) {
      this.node = node;
      this.index = index;
    }

    /** "rule 'errors'", or "rule #3" for a rule without a usable name. */
    String label() {
      return name != null ? "rule '" + name + "'" : "rule #" + (index + 1);
    }

    boolean isComplete() {
      return name != null && action != null && (whenKey == null || when != null);
    }
  }
}
