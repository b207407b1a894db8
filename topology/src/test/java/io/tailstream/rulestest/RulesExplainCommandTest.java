package io.tailstream.rulestest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tailstream rules explain RULES TRACE}, run in-process. */
class RulesExplainCommandTest {

  private static final String RULES =
      String.join(
          "\n",
          "rules:",
          "  - name: slow-checkout",
          "    when: root.service == \"checkout\" && trace.duration > duration(\"1s\")",
          "    action: keep",
          "  - name: not-idle",
          "    when: trace.completion != \"idle\"",
          "    action: keep",
          "  - name: flagged",
          "    when: root.attributes[\"flag\"] == true",
          "    action: keep",
          "  - name: default",
          "    action: { sample: 0.25 }",
          "");

  private static final String JSON =
      "{\"resourceSpans\": [{\"resource\": {\"attributes\": [{\"key\": \"service.name\","
          + " \"value\": {\"stringValue\": \"checkout\"}}]}, \"scopeSpans\": [{\"spans\": [{"
          + "\"traceId\": \"5b8efff798038103d269b633813fc60c\", \"spanId\": \"eee19b7ec3c1b174\","
          + " \"name\": \"POST /checkout\", \"kind\": 2, \"startTimeUnixNano\": \"1000000000\","
          + " \"endTimeUnixNano\": \"2200000000\"}]}]}]}";

  @TempDir Path dir;
  private Path rules;

  @BeforeEach
  void writeRules() throws IOException {
    rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
  }

  @Test
  void explainsACompactTraceRuleByRule() throws IOException {
    Path trace =
        Files.writeString(
            dir.resolve("trace.yaml"),
            "trace-id: 4bf92f3577b34da6a3ce929d0e0e4736\n"
                + "spans:\n"
                + "  - { id: a, service: checkout, name: GET /cart, duration: 120ms }\n"
                + "  - { parent: a, service: cart, name: load, start: 10ms, duration: 1500ms }\n");

    RulesCli.Result result = RulesCli.run("explain", rules.toString(), trace.toString());

    assertThat(result.out())
        .isEqualTo(
            "trace 4bf92f3577b34da6a3ce929d0e0e4736: 2 spans, 0 errors, 2 services, 1.51s,"
                + " root checkout \"GET /cart\", completion idle\n"
                + "rule 1 'slow-checkout': MATCHED\n"
                + "  when: root.service == \"checkout\" && trace.duration > duration(\"1s\")\n"
                + "  - root.service == \"checkout\" -> true\n"
                + "      root.service -> \"checkout\"\n"
                + "  - trace.duration > duration(\"1s\") -> true\n"
                + "      trace.duration -> 1.51s\n"
                + "rule 2 'not-idle': not reached\n"
                + "rule 3 'flagged': not reached\n"
                + "rule 4 'default': not reached\n"
                + "decided by rule 'slow-checkout': keep (sample rate 1)\n");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void explainsAnOtlpJsonTraceWithAGivenCompletion() throws IOException {
    Path trace =
        Files.writeString(dir.resolve("trace.json"), JSON.replace("2200000000", "1500000000"));

    RulesCli.Result result =
        RulesCli.run("explain", rules.toString(), trace.toString(), "--completion", "max_age");

    assertThat(result.out())
        .startsWith(
            "trace 5b8efff798038103d269b633813fc60c: 1 span, 0 errors, 1 service, 500ms,"
                + " root checkout \"POST /checkout\", completion max_age\n"
                + "rule 1 'slow-checkout': not matched\n")
        .contains(
            "rule 2 'not-idle': MATCHED\n"
                + "  when: trace.completion != \"idle\"\n"
                + "  - trace.completion != \"idle\" -> true\n"
                + "      trace.completion -> \"max_age\"\n")
        .endsWith("decided by rule 'not-idle': keep (sample rate 1)\n");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void showsFailingRulesAndTheCatchAll() throws IOException {
    Path trace =
        Files.writeString(
            dir.resolve("trace.yml"),
            "trace-id: 4bf92f3577b34da6a3ce929d0e0e4736\n"
                + "spans: [ { service: web, name: GET /, duration: 5ms } ]\n");

    RulesCli.Result result = RulesCli.run("explain", rules.toString(), trace.toString());

    assertThat(result.out())
        .contains(
            "rule 3 'flagged': failed, counts as not matched: key 'flag' is not present in map.\n"
                + "  when: root.attributes[\"flag\"] == true\n"
                + "  - root.attributes[\"flag\"] == true -> error: key 'flag' is not present in"
                + " map.\n"
                + "      root.attributes[\"flag\"] -> error: key 'flag' is not present in map.\n"
                + "rule 4 'default': MATCHED (catch-all)\n"
                + "decided by rule 'default': keep (sample rate 0.25)\n");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void exitsTwoWithPositionsForAnInvalidCompactTrace() throws IOException {
    Path trace =
        Files.writeString(
            dir.resolve("trace.yaml"), "spans:\n  - { service: web, name: GET /, duration: 5 }\n");

    RulesCli.Result result = RulesCli.run("explain", rules.toString(), trace.toString());

    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .isEqualTo(
            trace
                + ":2:44: 'duration' was '5' but it must be a duration like 120ms, 1.5s or"
                + " 1m30s\n");
    assertThat(result.exitCode()).isEqualTo(2);
  }

  @Test
  void exitsTwoForATraceThatCannotBeRead() throws IOException {
    Path missing = dir.resolve("missing.json");
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"resourceSpans\": 3}");
    Path text = Files.writeString(dir.resolve("trace.txt"), "hello");

    RulesCli.Result noFile = RulesCli.run("explain", rules.toString(), missing.toString());
    RulesCli.Result badJson = RulesCli.run("explain", rules.toString(), broken.toString());
    RulesCli.Result badType = RulesCli.run("explain", rules.toString(), text.toString());

    assertThat(noFile.err())
        .isEqualTo(missing + ":1:1: cannot read the trace file: no such file\n");
    assertThat(badJson.err()).startsWith(broken + ":1:1: invalid OTLP JSON");
    assertThat(badType.err())
        .isEqualTo(
            text
                + ":1:1: a trace file must be OTLP JSON (.json) or a compact trace (.yaml,"
                + " .yml)\n");
    assertThat(noFile.exitCode()).isEqualTo(2);
    assertThat(badJson.exitCode()).isEqualTo(2);
    assertThat(badType.exitCode()).isEqualTo(2);
  }

  @Test
  void exitsTwoForAnUnknownCompletion() throws IOException {
    Path trace = Files.writeString(dir.resolve("trace.json"), JSON);

    RulesCli.Result result =
        RulesCli.run("explain", rules.toString(), trace.toString(), "--completion", "done");

    assertThat(result.err())
        .isEqualTo(
            "--completion was 'done' but it must be one of idle, root, max_age, span_limit\n");
    assertThat(result.exitCode()).isEqualTo(2);
  }

  @Test
  void exitsOneForRulesWithProblems() throws IOException {
    Files.writeString(rules, "rules:\n  - name: default\n    when: trace.nope\n    action: keep\n");
    Path trace = Files.writeString(dir.resolve("trace.json"), JSON);

    RulesCli.Result result = RulesCli.run("explain", rules.toString(), trace.toString());

    assertThat(result.out()).isEmpty();
    assertThat(result.err()).startsWith(rules + ":3:");
    assertThat(result.exitCode()).isEqualTo(1);
  }
}
