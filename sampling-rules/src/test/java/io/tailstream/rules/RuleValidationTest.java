package io.tailstream.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class RuleValidationTest {

  private static final String DEFAULT_RULE = "  - name: default\n    action: drop\n";
  private static final String ACTIONS =
      "keep, drop, { sample: P }, { limit: { per-second: N } } or"
          + " { adaptive: { target-per-second: N } }";

  @Test
  void rejectsUnknownVariableWithLineAndColumn() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: trce.error_count > 0
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:11: undeclared reference to 'trce'");
  }

  @Test
  void rejectsUnknownFieldWithLineAndColumn() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: trace.eror_count > 0
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:16: undefined field 'eror_count'");
  }

  @Test
  void rejectsUnknownSpanFieldInsideAMacro() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: spans.exists(s, s.statuz == "ERROR")
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:28: undefined field 'statuz'");
  }

  @Test
  void rejectsTypeErrors() {
    assertThat(
            problems(
                """
                rules:
                  - name: slow
                    when: root.name.startsWith(1)
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly(
            "rules.yaml:3:31: found no matching overload for 'startsWith' applied to"
                + " 'string.(int)' (candidates: string.(string))");
  }

  @Test
  void rejectsAWhenThatIsNotBool() {
    assertThat(
            problems(
                """
                rules:
                  - name: count
                    when: trace.span_count
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:11: 'when' must be a bool expression, but it is int");
  }

  @Test
  void rejectsAWhenOfDynamicType() {
    assertThat(
            problems(
                """
                rules:
                  - name: flag
                    when: root.attributes["debug"]
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:11: 'when' must be a bool expression, but it is dyn");
  }

  @Test
  void rejectsCelSyntaxErrorsAtTheirPosition() {
    assertThat(
            problems(
                """
                rules:
                  - name: broken
                    when: (trace.has_root
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:26: missing ')' at '<EOF>'");
  }

  @Test
  void mapsPositionsInsideSingleQuotedScalars() {
    assertThat(
            problems(
                """
                rules:
                  - name: quoted
                    when: 'root.name == "it''s" && trce'
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:36: undeclared reference to 'trce'");
  }

  @Test
  void mapsPositionsInsideDoubleQuotedScalars() {
    assertThat(
            problems(
                """
                rules:
                  - name: quoted
                    when: "root.name == \\"x\\" && trce"
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:34: undeclared reference to 'trce'");
  }

  @Test
  void mapsPositionsInsideLiteralBlockScalars() {
    assertThat(
            problems(
                """
                rules:
                  - name: block
                    when: |
                      trace.error_count > 0 &&
                        spans.exists(s, s.nme == "checkout")
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:5:26: undefined field 'nme'");
  }

  @Test
  void mapsPositionsInsideFoldedBlockScalars() {
    assertThat(
            problems(
                """
                rules:
                  - name: block
                    when: >-
                      trace.error_count > 0 &&
                      trce.has_root
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:5:7: undeclared reference to 'trce'");
  }

  @Test
  void rejectsDuplicateRuleNames() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: trace.error_count > 0
                    action: keep
                  - name: errors
                    when: trace.error_count > 1
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:5:11: duplicate rule name 'errors' (first defined at line 2)");
  }

  @Test
  void rejectsAWhenOnTheLastRule() {
    assertThat(
            problems(
                """
                rules:
                  - name: default
                    when: trace.error_count > 0
                    action: keep
                """))
        .containsExactly(
            "rules.yaml:3:5: the last rule 'default' must have no 'when': it is the catch-all");
  }

  @Test
  void rejectsACatchAllBeforeTheLastRule() {
    assertThat(
            problems(
                """
                rules:
                  - name: everything
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly(
            "rules.yaml:2:5: rule 'everything' has no 'when' but is not the last rule, so the"
                + " rules after it can never match");
  }

  @Test
  void rejectsARuleWithoutName() {
    assertThat(
            problems(
                """
                rules:
                  - when: trace.error_count > 0
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:2:5: rule is missing 'name'");
  }

  @Test
  void rejectsARuleWithoutAction() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: trace.error_count > 0
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:2:5: rule 'errors' is missing 'action'");
  }

  @Test
  void rejectsUnknownKeys() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: trace.error_count > 0
                    acton: keep
                """
                    + DEFAULT_RULE))
        .containsExactly(
            "rules.yaml:2:5: rule 'errors' is missing 'action'",
            "rules.yaml:4:5: unknown key 'acton' in rule 'errors'");
  }

  @Test
  void rejectsDuplicateKeysInARule() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: trace.error_count > 0
                    action: keep
                    action: drop
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:5:5: duplicate key 'action' in rule 'errors'");
  }

  @Test
  void rejectsASampleProbabilityAboveOne() {
    assertThat(problems("rules:\n  - name: default\n    action: { sample: 1.5 }\n"))
        .containsExactly(
            "rules.yaml:3:23: sample probability was 1.5 but it must be between 0 and 1");
  }

  @Test
  void rejectsANegativeSampleProbability() {
    assertThat(problems("rules:\n  - name: default\n    action:\n      sample: -0.1\n"))
        .containsExactly(
            "rules.yaml:4:15: sample probability was -0.1 but it must be between 0 and 1");
  }

  @Test
  void rejectsASampleProbabilityThatIsNotANumber() {
    assertThat(problems("rules:\n  - name: default\n    action: { sample: half }\n"))
        .containsExactly(
            "rules.yaml:3:23: sample probability was 'half' but it must be a number between 0"
                + " and 1");
  }

  @Test
  void rejectsAQuotedSampleProbability() {
    assertThat(problems("rules:\n  - name: default\n    action: { sample: \"0.5\" }\n"))
        .containsExactly(
            "rules.yaml:3:23: sample probability must be a number between 0 and 1");
  }

  @Test
  void acceptsLimitAndAdaptiveActions() throws RuleValidationException {
    RuleSet rules =
        RuleSet.parse(
            """
            rules:
              - name: checkout-cap
                when: root.service == "checkout"
                action: { limit: { per-second: 50 } }
              - name: per-endpoint
                when: trace.error_count == 0
                action:
                  limit:
                    per-second: 0.5
                    key: root.service + " " + root.name
              - name: default
                action:
                  adaptive:
                    target-per-second: 10
                    key: string(root.attributes["tenant"])
            """,
            "rules.yaml");

    assertThat(rules.compiledRules())
        .extracting(CompiledRule::action)
        .hasExactlyElementsOfTypes(LimitAction.class, LimitAction.class, AdaptiveAction.class);
  }

  @Test
  void rejectsLimitAndAdaptiveWithoutSettings() {
    assertThat(problems("rules:\n  - name: default\n    action: limit\n"))
        .containsExactly(
            "rules.yaml:3:13: action 'limit' needs a rate, like { limit: { per-second: 50 } }");
    assertThat(problems("rules:\n  - name: default\n    action: adaptive\n"))
        .containsExactly(
            "rules.yaml:3:13: action 'adaptive' needs a target rate, like"
                + " { adaptive: { target-per-second: 10 } }");
  }

  @Test
  void rejectsLimitAndAdaptiveSettingsThatAreNotAMapping() {
    assertThat(problems("rules:\n  - name: default\n    action: { limit: 50 }\n"))
        .containsExactly(
            "rules.yaml:3:22: action 'limit' needs a mapping, like"
                + " { limit: { per-second: 50 } }");
    assertThat(problems("rules:\n  - name: default\n    action:\n      adaptive:\n"))
        .containsExactly(
            "rules.yaml:4:7: action 'adaptive' needs a mapping, like"
                + " { adaptive: { target-per-second: 10 } }");
  }

  @Test
  void rejectsLimitAndAdaptiveWithoutTheirRate() {
    assertThat(
            problems(
                "rules:\n  - name: default\n    action: { limit: { key: root.service } }\n"))
        .containsExactly(
            "rules.yaml:3:15: action 'limit' is missing 'per-second', like"
                + " { limit: { per-second: 50 } }");
    assertThat(problems("rules:\n  - name: default\n    action: { adaptive: {} }\n"))
        .containsExactly(
            "rules.yaml:3:15: action 'adaptive' is missing 'target-per-second', like"
                + " { adaptive: { target-per-second: 10 } }");
  }

  @Test
  void rejectsUnknownAndDuplicateKeysInLimitAndAdaptive() {
    assertThat(
            problems(
                """
                rules:
                  - name: default
                    action:
                      limit:
                        per-second: 50
                        burst: 100
                        per-second: 60
                """))
        .containsExactly(
            "rules.yaml:6:9: unknown key 'burst' in action 'limit': use per-second and key",
            "rules.yaml:7:9: duplicate key 'per-second' in action 'limit'");
    assertThat(
            problems(
                """
                rules:
                  - name: default
                    action: { adaptive: { per-second: 5 } }
                """))
        .containsExactly(
            "rules.yaml:3:15: action 'adaptive' is missing 'target-per-second', like"
                + " { adaptive: { target-per-second: 10 } }",
            "rules.yaml:3:27: unknown key 'per-second' in action 'adaptive': use"
                + " target-per-second and key");
  }

  @Test
  void rejectsRatesThatAreNotPositiveNumbers() {
    assertThat(problems(limitPerSecond("0"))).containsExactly(
        "rules.yaml:3:36: 'per-second' was 0 but it must be positive");
    assertThat(problems(limitPerSecond("-5"))).containsExactly(
        "rules.yaml:3:36: 'per-second' was -5 but it must be positive");
    assertThat(problems(limitPerSecond("fast"))).containsExactly(
        "rules.yaml:3:36: 'per-second' was 'fast' but it must be a positive number");
    assertThat(problems(limitPerSecond("\"50\""))).containsExactly(
        "rules.yaml:3:36: 'per-second' must be a positive number");
    assertThat(problems(limitPerSecond("[50]"))).containsExactly(
        "rules.yaml:3:36: 'per-second' must be a positive number");
    assertThat(problems(limitPerSecond("1e999"))).containsExactly(
        "rules.yaml:3:36: 'per-second' was 1e999 but it is out of range");
    assertThat(
            problems("rules:\n  - name: default\n    action: { adaptive: { target-per-second: }"
                + " }\n"))
        .containsExactly("rules.yaml:3:45: 'target-per-second' must be a positive number");
  }

  @Test
  void rejectsAKeyThatDoesNotCompileWithLineAndColumn() {
    assertThat(
            problems(
                """
                rules:
                  - name: default
                    action:
                      limit:
                        per-second: 50
                        key: root.servce + " " + root.name
                """))
        .containsExactly("rules.yaml:6:18: undefined field 'servce'");
    assertThat(
            problems(
                """
                rules:
                  - name: default
                    action:
                      adaptive:
                        target-per-second: 10
                        key: |
                          root.service +
                            tenant
                """))
        .containsExactly("rules.yaml:8:13: undeclared reference to 'tenant'");
  }

  @Test
  void rejectsAKeyThatIsNotAString() {
    assertThat(problems(limitKey("trace.span_count")))
        .containsExactly("rules.yaml:6:14: 'key' must be a string expression, but it is int");
    assertThat(problems(limitKey("root.attributes['tenant']")))
        .containsExactly(
            "rules.yaml:6:14: 'key' must be a string expression, but it is dyn; convert it with"
                + " string(...)");
    assertThat(problems(limitKey("\"\"")))
        .containsExactly("rules.yaml:6:14: 'key' must be a CEL expression, but it is empty");
    assertThat(problems(limitKey("")))
        .containsExactly("rules.yaml:6:13: 'key' must be a CEL expression");
  }

  @Test
  void reportsEveryProblemOfALimitAtOnce() {
    assertThat(
            problems(
                """
                rules:
                  - name: default
                    action:
                      limit:
                        per-second: -1
                        key: 42
                        rate: 5
                """))
        .containsExactly(
            "rules.yaml:5:21: 'per-second' was -1 but it must be positive",
            "rules.yaml:6:14: 'key' must be a string expression, but it is int",
            "rules.yaml:7:9: unknown key 'rate' in action 'limit': use per-second and key");
  }

  @Test
  void rejectsUnknownActions() {
    assertThat(problems("rules:\n  - name: default\n    action: kep\n"))
        .containsExactly(
            "rules.yaml:3:13: unknown action 'kep': use " + ACTIONS);
    assertThat(problems("rules:\n  - name: default\n    action: { keep: true }\n"))
        .containsExactly(
            "rules.yaml:3:15: unknown action 'keep': use " + ACTIONS);
    assertThat(problems("rules:\n  - name: default\n    action: [keep]\n"))
        .containsExactly("rules.yaml:3:13: 'action' must be " + ACTIONS);
    assertThat(problems("rules:\n  - name: default\n    action: sample\n"))
        .containsExactly(
            "rules.yaml:3:13: action 'sample' needs a probability, like { sample: 0.1 }");
  }

  @Test
  void rejectsAnActionMappingWithSeveralKeys() {
    assertThat(problems("rules:\n  - name: default\n    action: { sample: 0.1, limit: {} }\n"))
        .containsExactly(
            "rules.yaml:3:13: an action mapping must have exactly one key, like { sample: 0.1 }");
  }

  @Test
  void rejectsAnEmptyWhen() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                    when: ""
                    action: keep
                """
                    + DEFAULT_RULE))
        .containsExactly("rules.yaml:3:11: 'when' must be a CEL expression, but it is empty");
  }

  @Test
  void rejectsAFileWithoutRules() {
    assertThat(problems("")).containsExactly("rules.yaml:1:1: rules file has no rules");
    assertThat(problems("# nothing yet\n"))
        .containsExactly("rules.yaml:1:1: rules file has no rules");
    assertThat(problems("rules: []\n")).containsExactly("rules.yaml:1:8: rules file has no rules");
    assertThat(problems("rules:\n")).containsExactly("rules.yaml:1:1: rules file has no rules");
  }

  @Test
  void rejectsUnknownTopLevelKeys() {
    assertThat(problems("rulez:\n" + DEFAULT_RULE))
        .containsExactly(
            "rules.yaml:1:1: unknown key 'rulez': the file has only 'rules' and 'redact'",
            "rules.yaml:1:1: rules file has no rules");
  }

  @Test
  void rejectsFilesOfTheWrongShape() {
    assertThat(problems("- name: default\n  action: drop\n"))
        .containsExactly(
            "rules.yaml:1:1: the rules file must be a mapping with a 'rules' list");
    assertThat(problems("rules: keep\n"))
        .containsExactly("rules.yaml:1:8: 'rules' must be a list of rules");
    assertThat(problems("rules:\n  - keep\n"))
        .containsExactly(
            "rules.yaml:2:5: a rule must be a mapping with 'name', 'when' and 'action'");
  }

  @Test
  void rejectsYamlSyntaxErrorsWithTheirPosition() {
    assertThat(
            problems(
                """
                rules:
                  - name: errors
                     when: trace.error_count > 0
                    action: keep
                """))
        .containsExactly("rules.yaml:3:10: invalid YAML: mapping values are not allowed here");
  }

  @Test
  void rejectsEmptyRuleNames() {
    assertThat(problems("rules:\n  - name: \"\"\n    action: drop\n"))
        .containsExactly("rules.yaml:2:11: a rule name must be a non-empty string");
    assertThat(problems("rules:\n  - name:\n    action: drop\n"))
        .containsExactly("rules.yaml:2:10: a rule name must be a non-empty string");
  }

  @Test
  void namesUnnamedRulesByTheirPosition() {
    assertThat(problems("rules:\n  - when: trace.has_root\n  - action: drop\n"))
        .containsExactly(
            "rules.yaml:2:5: rule is missing 'name'",
            "rules.yaml:2:5: rule #1 is missing 'action'",
            "rules.yaml:3:5: rule is missing 'name'");
  }

  @Test
  void rejectsKeysThatAreNotStrings() {
    assertThat(problems("rules:\n  - name: default\n    action: drop\n    ? [when]\n    : x\n"))
        .containsExactly("rules.yaml:4:7: keys must be strings");
  }

  @Test
  void rejectsADuplicateRulesList() {
    assertThat(problems("rules:\n" + DEFAULT_RULE + "rules: []\n"))
        .containsExactly("rules.yaml:4:1: duplicate key 'rules'");
  }

  @Test
  void countsPositionsInFilesWithWindowsLineEndings() {
    String yaml =
        ("rules:\n"
                + "  - name: errors\n"
                + "    when: |\n"
                + "      trace.has_root &&\n"
                + "        trce.error_count > 0\n"
                + "    action: keep\n"
                + DEFAULT_RULE)
            .replace("\n", "\r\n");

    assertThat(problems(yaml)).containsExactly("rules.yaml:5:9: undeclared reference to 'trce'");
  }

  @Test
  void reportsEveryProblemOfAFileInFileOrder() {
    RuleValidationException exception =
        catchThrowableOfType(
            RuleValidationException.class,
            () ->
                RuleSet.parse(
                    """
                    rules:
                      - name: errors
                        when: trace.eror_count > 0
                        action: keep
                      - name: errors
                        when: trce.has_root
                        acton: keep
                      - when: trace.span_count
                        action: { sample: 1.5 }
                      - name: cap
                        action: { limit: { per-second: 0 } }
                      - name: default
                        when: true
                        action: drop
                    """,
                    "rules.yaml"));

    assertThat(exception.problems())
        .extracting(RuleProblem::toString)
        .containsExactly(
            "rules.yaml:3:16: undefined field 'eror_count'",
            "rules.yaml:5:5: rule 'errors' is missing 'action'",
            "rules.yaml:5:11: duplicate rule name 'errors' (first defined at line 2)",
            "rules.yaml:6:11: undeclared reference to 'trce'",
            "rules.yaml:7:5: unknown key 'acton' in rule 'errors'",
            "rules.yaml:8:5: rule is missing 'name'",
            "rules.yaml:8:11: 'when' must be a bool expression, but it is int",
            "rules.yaml:9:23: sample probability was 1.5 but it must be between 0 and 1",
            "rules.yaml:10:5: rule 'cap' has no 'when' but is not the last rule, so the rules"
                + " after it can never match",
            "rules.yaml:11:36: 'per-second' was 0 but it must be positive",
            "rules.yaml:13:5: the last rule 'default' must have no 'when': it is the catch-all");
    assertThat(exception.getMessage())
        .isEqualTo(
            String.join(
                "\n", exception.problems().stream().map(RuleProblem::toString).toList()));
  }

  @Test
  void namesTheSourceAsGiven() {
    assertThatThrownBy(() -> RuleSet.parse("rules: []\n", "conf/sampling.yaml"))
        .isInstanceOf(RuleValidationException.class)
        .hasMessage("conf/sampling.yaml:1:8: rules file has no rules");
  }

  @Test
  void acceptsAValidFile() throws RuleValidationException {
    RuleSet rules =
        RuleSet.parse(
            """
            rules:
              - name: drop-health-checks
                when: root.attributes["http.route"] in ["/healthz", "/readyz"]
                action: drop
              - name: errors
                when: trace.error_count > 0
                action: keep
              - name: default
                action: { sample: 0.05 }
            """,
            "rules.yaml");

    assertThat(rules.ruleNames()).containsExactly("drop-health-checks", "errors", "default");
  }

  /** A one-rule file whose limit's per-second value starts at line 3, column 36. */
  private static String limitPerSecond(String value) {
    return "rules:\n  - name: default\n    action: { limit: { per-second: " + value + " } }\n";
  }

  /** A one-rule file whose limit's key expression starts at line 6, column 14. */
  private static String limitKey(String expression) {
    return "rules:\n  - name: default\n    action:\n      limit:\n        per-second: 1\n"
        + "        key: "
        + expression
        + "\n";
  }

  private static List<String> problems(String yaml) {
    RuleValidationException exception =
        catchThrowableOfType(
            RuleValidationException.class, () -> RuleSet.parse(yaml, "rules.yaml"));
    assertThat(exception).as("expected problems in:%n%s", yaml).isNotNull();
    return exception.problems().stream().map(RuleProblem::toString).toList();
  }
}
