package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tailstream rules test RULES CASES}, run in-process. */
class RulesTestCommandTest {

  private static final String RULES =
      String.join(
          "\n",
          "rules:",
          "  - name: drop-health-checks",
          "    when: >-",
          "      \"http.route\" in root.attributes &&",
          "      root.attributes[\"http.route\"] == \"/healthz\"",
          "    action: drop",
          "  - name: errors",
          "    when: trace.error_count > 0",
          "    action: keep",
          "  - name: default",
          "    action: drop",
          "");

  private static final String HEALTHZ =
      "    trace: { spans: [ { service: web, name: GET /healthz, duration: 2ms,"
          + " attributes: { http.route: /healthz } } ] }";
  private static final String ERROR =
      "    trace: { spans: [ { service: web, name: POST /pay, duration: 9ms, status: ERROR,"
          + " attributes: { http.route: /pay } } ] }";

  @TempDir Path dir;
  private Path rules;

  @BeforeEach
  void writeRules() throws IOException {
    rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
  }

  private RulesCli.Result test(String... caseLines) throws IOException {
    Path cases = Files.writeString(dir.resolve("cases.yaml"), String.join("\n", caseLines) + "\n");
    return RulesCli.run("test", rules.toString(), cases.toString());
  }

  @Test
  void passesWhenEveryCaseGetsItsExpectedDecision() throws IOException {
    RulesCli.Result result =
        test(
            "cases:",
            "  - name: health checks are dropped",
            HEALTHZ,
            "    expect: { decision: drop, rule: drop-health-checks }",
            "  - name: errors are kept",
            ERROR,
            "    expect: { decision: keep }",
            "  - name: errors decide",
            ERROR,
            "    expect: { rule: errors }");

    assertThat(result.out())
        .isEqualTo(
            "PASS health checks are dropped\n"
                + "PASS errors are kept\n"
                + "PASS errors decide\n"
                + "\n"
                + "3 passed, 0 failed\n");
    assertThat(result.err()).isEmpty();
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void failsACaseWithAnotherDecisionAndExplainsIt() throws IOException {
    RulesCli.Result result =
        test(
            "cases:",
            "  - name: errors are dropped",
            ERROR,
            "    expect: { decision: drop, rule: default }",
            "  - name: health checks are dropped",
            HEALTHZ,
            "    expect: { decision: drop }");

    String traceId = CompactTrace.traceIdFor("errors are dropped");
    assertThat(result.out())
        .isEqualTo(
            "FAIL errors are dropped\n"
                + "    case at "
                + dir.resolve("cases.yaml")
                + ":2:5\n"
                + "    expected: drop by rule 'default'\n"
                + "    actual:   keep by rule 'errors' (sample rate 1)\n"
                + "    trace "
                + traceId
                + ": 1 span, 1 error, 1 service, 9ms,"
                + " root web \"POST /pay\", completion idle\n"
                + "    rule 1 'drop-health-checks': not matched\n"
                + "      when: \"http.route\" in root.attributes &&"
                + " root.attributes[\"http.route\"] == \"/healthz\"\n"
                + "      - \"http.route\" in root.attributes -> true\n"
                + "          root.attributes -> {\"http.route\": \"/pay\"}\n"
                + "      - root.attributes[\"http.route\"] == \"/healthz\" -> false\n"
                + "          root.attributes[\"http.route\"] -> \"/pay\"\n"
                + "    rule 2 'errors': MATCHED\n"
                + "      when: trace.error_count > 0\n"
                + "      - trace.error_count > 0 -> true\n"
                + "          trace.error_count -> 1\n"
                + "    decided by rule 'errors': keep (sample rate 1)\n"
                + "PASS health checks are dropped\n"
                + "\n"
                + "1 passed, 1 failed\n");
    assertThat(result.exitCode()).isEqualTo(1);
  }

  @Test
  void showsWhichPartOfTheExpectationDiffers() throws IOException {
    RulesCli.Result result =
        test(
            "cases:",
            "  - name: health checks are kept",
            HEALTHZ,
            "    expect: { decision: keep }",
            "  - name: health checks are errors",
            HEALTHZ,
            "    expect: { rule: errors }");

    assertThat(result.out())
        .contains(
            "FAIL health checks are kept\n",
            "    expected: keep by any rule\n"
                + "    actual:   drop by rule 'drop-health-checks' (sample rate 0)\n",
            "FAIL health checks are errors\n",
            "    expected: keep or drop by rule 'errors'\n"
                + "    actual:   drop by rule 'drop-health-checks' (sample rate 0)\n")
        .endsWith("\n0 passed, 2 failed\n");
    assertThat(result.exitCode()).isEqualTo(1);
  }

  @Test
  void showsOnlyTheRulesUpToTheDecidingOne() throws IOException {
    RulesCli.Result result =
        test("cases:", "  - name: health", HEALTHZ, "    expect: { decision: keep }");

    assertThat(result.out())
        .contains("rule 1 'drop-health-checks': MATCHED")
        .doesNotContain("rule 2");
  }

  @Test
  void runsNoCaseWhenTheCasesFileHasProblems() throws IOException {
    RulesCli.Result result =
        test(
            "cases:",
            "  - name: fine",
            HEALTHZ,
            "    expect: { decision: drop }",
            "  - name: typo",
            HEALTHZ,
            "    expect: { decision: drop, rule: drop-healthchecks }");

    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .isEqualTo(
            dir.resolve("cases.yaml")
                + ":7:37: the expected rule 'drop-healthchecks' is not in the rules file; its"
                + " rules are drop-health-checks, errors, default\n");
    assertThat(result.exitCode()).isEqualTo(1);
  }

  @Test
  void runsNoCaseWhenTheRulesHaveProblems() throws IOException {
    Files.writeString(rules, "rules:\n  - name: default\n    action: keeep\n");

    RulesCli.Result result =
        test("cases:", "  - name: health", HEALTHZ, "    expect: { decision: drop }");

    assertThat(result.out()).isEmpty();
    assertThat(result.err()).startsWith(rules + ":3:13: unknown action 'keeep'");
    assertThat(result.exitCode()).isEqualTo(1);
  }

  @Test
  void readsTraceFilesRelativeToTheCasesFile() throws IOException {
    Files.createDirectories(dir.resolve("fixtures"));
    Files.writeString(
        dir.resolve("fixtures/error.json"),
        "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{"
            + "\"traceId\": \"5b8efff798038103d269b633813fc60c\", \"spanId\": \"eee19b7ec3c1b174\","
            + " \"name\": \"x\", \"status\": {\"code\": 2}}]}]}]}");

    RulesCli.Result result =
        test(
            "cases:",
            "  - name: from a file",
            "    trace-file: fixtures/error.json",
            "    expect: { decision: keep, rule: errors }");

    assertThat(result.out()).isEqualTo("PASS from a file\n\n1 passed, 0 failed\n");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void runsEachCaseOnFreshRulesSoThatLimitsDoNotCarryOver() throws IOException {
    Files.writeString(
        rules,
        "rules:\n"
            + "  - name: cap\n"
            + "    when: root.service == \"web\"\n"
            + "    action: { limit: { per-second: 1 } }\n"
            + "  - name: default\n"
            + "    action: drop\n");
    String trace = "    trace: { spans: [ { service: web, name: GET /, duration: 1ms } ] }";

    RulesCli.Result result =
        test(
            "cases:",
            "  - name: first",
            trace,
            "    expect: { decision: keep, rule: cap }",
            "  - name: second",
            trace,
            "    expect: { decision: keep, rule: cap }");

    assertThat(result.out()).endsWith("2 passed, 0 failed\n");
    assertThat(result.exitCode()).isZero();
  }
}
