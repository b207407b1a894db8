package io.tailstream.rulestest;

import static java.util.Objects.requireNonNull;

import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.Decision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a rule test cases file, reporting every problem as {@code file:line:col: message}:
 *
 * <pre>{@code
 * cases:
 *   - name: errors are kept
 *     trace:                        # a compact trace, see CompactTraceParser
 *       spans:
 *         - { id: a, service: checkout, name: POST /checkout, duration: 120ms, status: ERROR }
 *     expect: { decision: keep, rule: errors }
 *   - name: health checks are dropped
 *     trace-file: fixtures/healthz.json   # OTLP JSON, relative to the cases file
 *     completion: idle                    # optional, for trace-file
 *     expect: { decision: drop, rule: drop-health-checks }
 * }</pre>
 *
 * <p>A compact trace without {@code trace-id} gets one derived from the case name, so it is the
 * same on every run.
 */
public final class RuleCasesParser {

  private static final String CASES = "cases";
  private static final String NAME = "name";
  private static final String TRACE = "trace";
  private static final String TRACE_FILE = "trace-file";
  private static final String EXPECT = "expect";
  private static final Set<String> CASE_KEYS =
      Set.of(NAME, TRACE, TRACE_FILE, CompactTraceParser.COMPLETION, EXPECT);
  private static final String CASE_HINT = "name, trace or trace-file, completion and expect";
  private static final Set<String> EXPECT_KEYS = Set.of("decision", "rule");

  private final YamlProblems problems;
  private final Path baseDirectory;
  private final Set<String> ruleNames;

  private RuleCasesParser(YamlProblems problems, Path baseDirectory, Set<String> ruleNames) {
    this.problems = problems;
    this.baseDirectory = baseDirectory;
    this.ruleNames = ruleNames;
  }

  /**
   * Reads a cases file.
   *
   * @param file the cases file, UTF-8 YAML; problems name it as given here, and {@code trace-file}s
   *     are relative to its directory
   * @param ruleNames the names of the rules under test, in order; an expected rule must be one of
   *     them
   * @return the cases, in file order
   * @throws InvalidCasesException with every problem, in file order
   */
  public static List<RuleCase> parse(Path file, Collection<String> ruleNames)
      throws InvalidCasesException {
    requireNonNull(file, "file");
    requireNonNull(ruleNames, "ruleNames");
    YamlProblems problems = new YamlProblems(file.toString());
    String yaml = TraceFiles.readText(file, "cases file", problems);
    problems.throwIfAny();
    Path base = file.toAbsolutePath().getParent();
    return parse(yaml, problems, base, ruleNames);
  }

  /**
   * Reads cases given as text.
   *
   * @param yaml the cases file's content
   * @param source the name that problems start with
   * @param baseDirectory what {@code trace-file}s are relative to
   * @param ruleNames the names of the rules under test
   * @throws InvalidCasesException with every problem, in file order
   */
  public static List<RuleCase> parse(
      String yaml, String source, Path baseDirectory, Collection<String> ruleNames)
      throws InvalidCasesException {
    requireNonNull(yaml, "yaml");
    requireNonNull(source, "source");
    requireNonNull(baseDirectory, "baseDirectory");
    requireNonNull(ruleNames, "ruleNames");
    return parse(yaml, new YamlProblems(source), baseDirectory, ruleNames);
  }

  private static List<RuleCase> parse(
      String yaml, YamlProblems problems, Path baseDirectory, Collection<String> ruleNames)
      throws InvalidCasesException {
    List<RuleCase> cases =
        new RuleCasesParser(problems, baseDirectory, new LinkedHashSet<>(ruleNames)).file(yaml);
    problems.throwIfAny();
    return cases;
  }

  private List<RuleCase> file(String yaml) {
    Node document = problems.compose(yaml, "the cases file has no cases");
    if (document == null) {
      return List.of();
    }
    Map<String, Node> keys = problems.mapping(document, "the cases file", Set.of(CASES), "cases");
    if (keys == null) {
      return List.of();
    }
    Node casesNode = keys.get(CASES);
    if (casesNode == null) {
      problems.at(document, "the cases file has no 'cases'");
      return List.of();
    }
    if (!(casesNode instanceof SequenceNode) || ((SequenceNode) casesNode).getValue().isEmpty()) {
      problems.at(casesNode, "'cases' must be a list of at least one case");
      return List.of();
    }
    List<RuleCase> cases = new ArrayList<>();
    Map<String, Node> names = new HashMap<>();
    for (Node caseNode : ((SequenceNode) casesNode).getValue()) {
      RuleCase ruleCase = ruleCase(caseNode, names);
      if (ruleCase != null) {
        cases.add(ruleCase);
      }
    }
    return cases;
  }

  private RuleCase ruleCase(Node node, Map<String, Node> names) {
    Map<String, Node> keys = problems.mapping(node, "a case", CASE_KEYS, CASE_HINT);
    if (keys == null) {
      return null;
    }
    String name = null;
    if (!keys.containsKey(NAME)) {
      problems.at(node, "a case needs a 'name'");
    } else {
      Node nameNode = keys.get(NAME);
      name = problems.nonBlankText(nameNode, "a case 'name'");
      if (name != null && names.containsKey(name)) {
        problems.at(
            nameNode,
            "duplicate case name '"
                + name
                + "' (first used at line "
                + (names.get(name).getStartMark().getLine() + 1)
                + ")");
        name = null;
      } else if (name != null) {
        names.put(name, nameNode);
      }
    }
    TraceFixture trace = trace(node, keys, name);
    Expectation expectation = null;
    if (!keys.containsKey(EXPECT)) {
      problems.at(node, "a case needs 'expect', like { decision: keep, rule: errors }");
    } else {
      expectation = expectation(keys.get(EXPECT));
    }
    if (name == null || trace == null || expectation == null) {
      return null;
    }
    return new RuleCase(name, location(node), trace, expectation);
  }

  private TraceFixture trace(Node caseNode, Map<String, Node> keys, String name) {
    Node traceNode = keys.get(TRACE);
    Node fileNode = keys.get(TRACE_FILE);
    Node completionNode = keys.get(CompactTraceParser.COMPLETION);
    if (traceNode != null && fileNode != null) {
      problems.at(fileNode, "a case has either 'trace' or 'trace-file', not both");
      return null;
    }
    if (traceNode == null && fileNode == null) {
      problems.at(caseNode, "a case needs a 'trace' or a 'trace-file'");
      return null;
    }
    if (traceNode != null) {
      if (completionNode != null) {
        problems.at(completionNode, "with 'trace', write 'completion' inside the trace");
        return null;
      }
      CompactTrace trace = CompactTraceParser.parse(traceNode, name != null ? name : "", problems);
      return trace == null ? null : trace.fixture();
    }
    CompletionReason completion = CompletionReason.IDLE;
    if (completionNode != null) {
      completion = CompactTraceParser.completion(completionNode, problems);
    }
    String path = problems.nonBlankText(fileNode, "'trace-file'");
    if (path == null || completion == null) {
      return null;
    }
    try {
      return new TraceFixture(TraceFiles.readOtlpJson(baseDirectory.resolve(path)), completion);
    } catch (IOException e) {
      problems.at(fileNode, "cannot read trace file '" + path + "': " + TraceFiles.describe(e));
    } catch (IllegalArgumentException e) {
      problems.at(fileNode, "trace file '" + path + "': " + e.getMessage());
    }
    return null;
  }

  private Expectation expectation(Node node) {
    Map<String, Node> keys =
        problems.mapping(node, "'expect'", EXPECT_KEYS, "decision (keep or drop) and rule");
    if (keys == null) {
      return null;
    }
    if (keys.isEmpty()) {
      problems.at(node, "'expect' needs a decision, a rule or both");
      return null;
    }
    boolean valid = true;
    Decision.Outcome decision = null;
    if (keys.containsKey("decision")) {
      Node decisionNode = keys.get("decision");
      String text = problems.text(decisionNode, "the expected decision");
      if ("keep".equals(text)) {
        decision = Decision.Outcome.KEEP;
      } else if ("drop".equals(text)) {
        decision = Decision.Outcome.DROP;
      } else {
        if (text != null) {
          problems.at(decisionNode, "the expected decision was '" + text + "': use keep or drop");
        }
        valid = false;
      }
    }
    String rule = null;
    if (keys.containsKey("rule")) {
      Node ruleNode = keys.get("rule");
      rule = problems.nonBlankText(ruleNode, "the expected rule");
      if (rule != null && !ruleNames.contains(rule)) {
        problems.at(
            ruleNode,
            "the expected rule '"
                + rule
                + "' is not in the rules file; its rules are "
                + String.join(", ", ruleNames));
        rule = null;
      }
      valid &= rule != null;
    }
    return valid ? new Expectation(decision, rule) : null;
  }

  private String location(Node node) {
    return problems.source()
        + ":"
        + (node.getStartMark().getLine() + 1)
        + ":"
        + (node.getStartMark().getColumn() + 1);
  }
}
