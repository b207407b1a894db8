package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.Decision;
import io.tailstream.rules.TraceView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleCasesParserTest {

  private static final List<String> RULES = List.of("drop-health-checks", "errors", "default");

  private static final String HEALTHZ_JSON =
      "{\"resourceSpans\": [{\"resource\": {\"attributes\": [{\"key\": \"service.name\","
          + " \"value\": {\"stringValue\": \"frontend\"}}]}, \"scopeSpans\": [{\"spans\": [{"
          + "\"traceId\": \"5b8efff798038103d269b633813fc60c\", \"spanId\": \"eee19b7ec3c1b174\","
          + " \"name\": \"GET /healthz\", \"kind\": 2, \"startTimeUnixNano\": \"1000\","
          + " \"endTimeUnixNano\": \"2000\"}]}]}]}";

  @TempDir Path dir;

  private List<RuleCase> parse(String... lines) throws InvalidCasesException {
    return RuleCasesParser.parse(String.join("\n", lines) + "\n", "cases.yaml", dir, RULES);
  }

  private List<String> problems(String... lines) {
    try {
      parse(lines);
    } catch (InvalidCasesException e) {
      return e.problems().stream().map(CaseProblem::toString).toList();
    }
    throw new AssertionError("expected problems");
  }

  @Test
  void readsCompactAndFileCases() throws Exception {
    Files.writeString(dir.resolve("healthz.json"), HEALTHZ_JSON);

    List<RuleCase> cases =
        parse(
            "cases:",
            "  - name: errors are kept",
            "    trace:",
            "      completion: root",
            "      trace-id: 4BF92F3577B34DA6A3CE929D0E0E4736",
            "      spans:",
            "        - { id: a, service: checkout, name: POST /checkout, duration: 120ms }",
            "        - { parent: a, service: payments, name: charge, duration: 80ms, status: ERROR"
                + " }",
            "    expect: { decision: keep, rule: errors }",
            "  - name: health checks are dropped",
            "    trace-file: healthz.json",
            "    completion: max_age",
            "    expect: { decision: drop }");

    assertThat(cases)
        .extracting(RuleCase::name)
        .containsExactly("errors are kept", "health checks are dropped");
    assertThat(cases)
        .extracting(RuleCase::location)
        .containsExactly("cases.yaml:2:5", "cases.yaml:10:5");
    assertThat(cases)
        .extracting(RuleCase::expectation)
        .containsExactly(
            new Expectation(Decision.Outcome.KEEP, "errors"),
            new Expectation(Decision.Outcome.DROP, null));
    TraceView errors = cases.get(0).trace().view();
    assertThat(errors.traceIdHex()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(errors.completion()).isEqualTo(CompletionReason.ROOT);
    assertThat(errors.errorCount()).isEqualTo(1);
    assertThat(errors.root().orElseThrow().name()).isEqualTo("POST /checkout");
    TraceView healthz = cases.get(1).trace().view();
    assertThat(healthz.traceIdHex()).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(healthz.completion()).isEqualTo(CompletionReason.MAX_AGE);
  }

  @Test
  void derivesTheTraceIdFromTheCaseName() throws Exception {
    List<RuleCase> cases =
        parse(
            "cases:",
            "  - name: quiet",
            "    trace: { spans: [ { service: a, name: x, duration: 1ms } ] }",
            "    expect: { rule: default }");

    assertThat(cases.get(0).trace().view().traceIdHex())
        .isEqualTo(CompactTrace.traceIdFor("quiet"));
    assertThat(cases.get(0).trace().completion()).isEqualTo(CompletionReason.IDLE);
  }

  @Test
  void mapsYamlTypesToOtlpAttributeTypes() throws Exception {
    List<RuleCase> cases =
        parse(
            "cases:",
            "  - name: types",
            "    trace:",
            "      spans:",
            "        - service: a",
            "          name: x",
            "          duration: 1ms",
            "          attributes:",
            "            s: text",
            "            i: 500",
            "            hex: 0x1F",
            "            d: 0.5",
            "            b: true",
            "            quoted: \"500\"",
            "            list: [1, two]",
            "            date: 2024-01-02",
            "          resource: { deployment.environment: prod }",
            "    expect: { rule: default }");

    TraceView view = cases.get(0).trace().view();
    assertThat(view.spans().get(0).attributes())
        .containsExactly(
            Map.entry("s", "text"),
            Map.entry("i", 500L),
            Map.entry("hex", 31L),
            Map.entry("d", 0.5),
            Map.entry("b", true),
            Map.entry("quoted", "500"),
            Map.entry("list", List.of(1L, "two")),
            Map.entry("date", "2024-01-02"));
    assertThat(view.spans().get(0).resource())
        .containsExactly(
            Map.entry("service.name", "a"), Map.entry("deployment.environment", "prod"));
  }

  @Test
  void reportsEveryProblemInACaseWithItsPosition() {
    assertThat(
            problems(
                "cases:",
                "  - name: one",
                "    trace:",
                "      completion: later",
                "      trace-id: xyz",
                "      spans:",
                "        - { id: a, service: s, name: n, duration: 5q, kind: SRV, status: bad }",
                "        - { id: a, parent: nope, service: s, duration: 1ms, colour: red }",
                "    expect: { decision: maybe, rule: erors }",
                "    notes: hi"))
        .containsExactly(
            "cases.yaml:4:19: unknown completion 'later': use idle, root, max_age, span_limit",
            "cases.yaml:5:17: trace-id was 'xyz' but it must be 32 hex digits",
            "cases.yaml:7:51: 'duration' was '5q' but it must be a duration like 120ms, 1.5s or"
                + " 1m30s",
            "cases.yaml:7:61: unknown kind 'SRV': use INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER,"
                + " UNSPECIFIED",
            "cases.yaml:7:74: unknown status 'bad': use UNSET, OK, ERROR",
            "cases.yaml:8:11: a span needs a 'name'",
            "cases.yaml:8:17: duplicate span id 'a' (first used at line 7)",
            "cases.yaml:8:28: no span has the id 'nope'; for a parent outside the trace, give its"
                + " 16-hex-digit span ID",
            "cases.yaml:8:61: unknown key 'colour' in a span: use id, parent, service, name, kind,"
                + " duration, start, status, attributes, resource and trace-state",
            "cases.yaml:9:25: the expected decision was 'maybe': use keep or drop",
            "cases.yaml:9:38: the expected rule 'erors' is not in the rules file; its rules are"
                + " drop-health-checks, errors, default",
            "cases.yaml:10:5: unknown key 'notes' in a case: use name, trace or trace-file,"
                + " completion and expect");
  }

  @Test
  void reportsProblemsAcrossCases() {
    assertThat(
            problems(
                "cases:",
                "  - name: same",
                "    trace: { spans: [ { service: a, name: x, duration: 1ms } ] }",
                "    expect: { rule: default }",
                "  - name: same",
                "    trace-file: missing.json",
                "    expect: {}",
                "  - trace: { spans: [] }",
                "  - just a string"))
        .containsExactly(
            "cases.yaml:5:11: duplicate case name 'same' (first used at line 2)",
            "cases.yaml:6:17: cannot read trace file 'missing.json': no such file",
            "cases.yaml:7:13: 'expect' needs a decision, a rule or both",
            "cases.yaml:8:5: a case needs a 'name'",
            "cases.yaml:8:5: a case needs 'expect', like { decision: keep, rule: errors }",
            "cases.yaml:8:21: 'spans' must be a list of at least one span",
            "cases.yaml:9:5: a case must be a mapping with name, trace or trace-file, completion"
                + " and expect");
  }

  @Test
  void reportsATraceAndATraceFileInOneCase() throws IOException {
    Files.writeString(dir.resolve("healthz.json"), HEALTHZ_JSON);

    assertThat(
            problems(
                "cases:",
                "  - name: both",
                "    trace: { spans: [ { service: a, name: x, duration: 1ms } ] }",
                "    trace-file: healthz.json",
                "    expect: { rule: default }",
                "  - name: neither",
                "    expect: { rule: default }",
                "  - name: completion outside the trace",
                "    completion: root",
                "    trace: { spans: [ { service: a, name: x, duration: 1ms } ] }",
                "    expect: { rule: default }"))
        .containsExactly(
            "cases.yaml:4:17: a case has either 'trace' or 'trace-file', not both",
            "cases.yaml:6:5: a case needs a 'trace' or a 'trace-file'",
            "cases.yaml:9:17: with 'trace', write 'completion' inside the trace");
  }

  @Test
  void reportsAnInvalidTraceFile() throws IOException {
    Files.writeString(dir.resolve("broken.json"), "{\"resourceSpans\": [");
    Files.writeString(dir.resolve("empty.json"), "{}");

    assertThat(
            problems(
                "cases:",
                "  - name: broken",
                "    trace-file: broken.json",
                "    expect: { rule: default }",
                "  - name: empty",
                "    trace-file: empty.json",
                "    expect: { rule: default }"))
        .hasSize(2)
        .satisfies(
            p ->
                assertThat(p.get(0))
                    .startsWith(
                        "cases.yaml:3:17: trace file 'broken.json': " + "invalid OTLP JSON"))
        .satisfies(
            p ->
                assertThat(p.get(1))
                    .isEqualTo(
                        "cases.yaml:6:17: trace file 'empty.json': a trace needs at least one"
                            + " span"));
  }

  @Test
  void reportsParentCycles() {
    assertThat(
            problems(
                "cases:",
                "  - name: cycle",
                "    trace:",
                "      spans:",
                "        - { id: a, parent: b, service: s, name: x, duration: 1ms }",
                "        - { id: b, parent: a, service: s, name: y, duration: 1ms }",
                "        - { id: c, parent: c, service: s, name: z, duration: 1ms }",
                "    expect: { rule: default }"))
        .containsExactly(
            "cases.yaml:5:28: span 'a' is its own ancestor: parents must form a tree",
            "cases.yaml:6:28: span 'b' is its own ancestor: parents must form a tree",
            "cases.yaml:7:28: span 'c' is its own ancestor: parents must form a tree");
  }

  @Test
  void reportsBadAttributeValues() {
    assertThat(
            problems(
                "cases:",
                "  - name: values",
                "    trace:",
                "      spans:",
                "        - service: s",
                "          name: x",
                "          duration: 1ms",
                "          attributes: { a: null, b: 99999999999999999999, c: [1, ~] }",
                "          resource: [not, a, map]",
                "    expect: { rule: default }"))
        .containsExactly(
            "cases.yaml:8:28: an attribute value must not be null",
            "cases.yaml:8:37: int value 99999999999999999999 is out of the 64-bit range",
            "cases.yaml:8:66: an attribute value must not be null",
            "cases.yaml:9:21: 'resource' must be a mapping of attribute names to values");
  }

  @Test
  void reportsInvalidYamlWithItsPosition() {
    assertThat(problems("cases:", "  - name: [unclosed", "    expect: x"))
        .singleElement()
        .asString()
        .startsWith("cases.yaml:3:")
        .contains("invalid YAML: ");
  }

  @Test
  void reportsAFileWithoutCases() {
    assertThat(problems("")).containsExactly("cases.yaml:1:1: the cases file has no cases");
    assertThat(problems("rules: []"))
        .containsExactly(
            "cases.yaml:1:1: unknown key 'rules' in the cases file: use cases",
            "cases.yaml:1:1: the cases file has no 'cases'");
    assertThat(problems("cases: []"))
        .containsExactly("cases.yaml:1:8: 'cases' must be a list of at least one case");
  }

  @Test
  void reportsAMissingCasesFile() {
    assertThatThrownBy(() -> RuleCasesParser.parse(dir.resolve("nope.yaml"), RULES))
        .isInstanceOf(InvalidCasesException.class)
        .hasMessage(dir.resolve("nope.yaml") + ":1:1: cannot read the cases file: no such file");
  }
}
