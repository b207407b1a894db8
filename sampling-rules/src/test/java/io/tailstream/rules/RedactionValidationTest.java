package io.tailstream.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionValidationTest {

  private static final String RULES = "rules:\n  - name: default\n    action: keep\n";

  @Test
  void acceptsAValidSection() throws Exception {
    Redaction redaction =
        RuleSet.parse(
                """
                redact:
                  - name: emails
                    keys: ["user.email", "enduser.*"]
                    action: hash
                  - name: bearer-tokens
                    values: "Bearer [A-Za-z0-9._-]+"
                    action: { mask: "Bearer ***" }
                  - name: request-headers
                    keys: http.request.header.*
                    action: remove
                  - name: card-numbers
                    keys: ["payment.*"]
                    values: '[0-9]{16}'
                    action: mask
                """
                    + RULES,
                "rules.yaml")
            .redaction();

    assertThat(redaction.entryNames())
        .containsExactly("emails", "bearer-tokens", "request-headers", "card-numbers");
    assertThat(redaction.usesHash()).isTrue();
  }

  @Test
  void acceptsAnEmptySection() throws Exception {
    assertThat(RuleSet.parse("redact:\n" + RULES, "rules.yaml").redaction().isEmpty()).isTrue();
    assertThat(RuleSet.parse("redact: []\n" + RULES, "rules.yaml").redaction().isEmpty())
        .isTrue();
  }

  @Test
  void rejectsASectionThatIsNotAList() {
    assertThat(problems("redact:\n  name: emails\n"))
        .containsExactly(
            "rules.yaml:2:3: 'redact' must be a list of entries with 'name', 'keys' or 'values',"
                + " and 'action'");
  }

  @Test
  void rejectsAnEntryThatIsNotAMapping() {
    assertThat(problems("redact:\n  - emails\n"))
        .containsExactly(
            "rules.yaml:2:5: a redact entry must be a mapping with 'name', 'keys' or 'values', and"
                + " 'action'");
  }

  @Test
  void rejectsUnknownKeyWithLineAndColumn() {
    assertThat(
            problems(
                """
                redact:
                  - name: emails
                    keys: user.email
                    replace: true
                    action: hash
                """))
        .containsExactly(
            "rules.yaml:4:5: unknown key 'replace' in redact entry 'emails': use 'name', 'keys',"
                + " 'values' and 'action'");
  }

  @Test
  void rejectsDuplicateKeyInAnEntry() {
    assertThat(
            problems(
                """
                redact:
                  - name: emails
                    keys: user.email
                    keys: enduser.id
                    action: hash
                """))
        .containsExactly("rules.yaml:4:5: duplicate key 'keys' in redact entry 'emails'");
  }

  @Test
  void rejectsAKeyThatIsNotAString() {
    assertThat(
            problems(
                """
                redact:
                  - name: emails
                    keys: user.email
                    [a]: b
                    action: hash
                """))
        .containsExactly("rules.yaml:4:5: keys must be strings");
  }

  @Test
  void rejectsAMissingName() {
    assertThat(problems("redact:\n  - keys: user.email\n    action: hash\n"))
        .containsExactly("rules.yaml:2:5: redact entry #1 is missing 'name'");
  }

  @Test
  void rejectsAnEmptyName() {
    assertThat(problems("redact:\n  - name: ' '\n    keys: user.email\n    action: hash\n"))
        .containsExactly("rules.yaml:2:11: a redact entry name must be a non-empty string");
    assertThat(problems("redact:\n  - name: [a]\n    keys: user.email\n    action: hash\n"))
        .containsExactly("rules.yaml:2:11: a redact entry name must be a non-empty string");
  }

  @Test
  void rejectsDuplicateNames() {
    assertThat(
            problems(
                """
                redact:
                  - name: emails
                    keys: user.email
                    action: hash
                  - name: emails
                    keys: enduser.id
                    action: remove
                """))
        .containsExactly(
            "rules.yaml:5:11: duplicate redact entry name 'emails' (first defined at line 2)");
  }

  @Test
  void rejectsAMissingAction() {
    assertThat(problems("redact:\n  - name: emails\n    keys: user.email\n"))
        .containsExactly("rules.yaml:2:5: redact entry 'emails' is missing 'action'");
  }

  @Test
  void rejectsAnEntryWithNeitherKeysNorValues() {
    assertThat(problems("redact:\n  - name: emails\n    action: hash\n"))
        .containsExactly("rules.yaml:2:5: redact entry 'emails' needs 'keys', 'values' or both");
  }

  @Test
  void rejectsAnEmptyGlob() {
    assertThat(
            problems("redact:\n  - name: emails\n    keys: [user.email, '']\n    action: hash\n"))
        .containsExactly("rules.yaml:3:24: an attribute key must not be empty");
    assertThat(problems("redact:\n  - name: emails\n    keys: ''\n    action: hash\n"))
        .containsExactly("rules.yaml:3:11: an attribute key must not be empty");
  }

  @Test
  void rejectsKeysThatAreNotStrings() {
    assertThat(
            problems("redact:\n  - name: emails\n    keys: [user.email, [a]]\n    action: hash\n"))
        .containsExactly("rules.yaml:3:24: an attribute key must be a string");
    assertThat(problems("redact:\n  - name: emails\n    keys: [~]\n    action: hash\n"))
        .containsExactly("rules.yaml:3:12: an attribute key must be a string");
    assertThat(problems("redact:\n  - name: emails\n    keys: { a: b }\n    action: hash\n"))
        .containsExactly(
            "rules.yaml:3:11: 'keys' must be an attribute key or a list of attribute keys");
    assertThat(problems("redact:\n  - name: emails\n    keys:\n    action: hash\n"))
        .containsExactly(
            "rules.yaml:3:10: 'keys' must be an attribute key or a list of attribute keys");
  }

  @Test
  void rejectsAnEmptyKeysList() {
    assertThat(problems("redact:\n  - name: emails\n    keys: []\n    action: hash\n"))
        .containsExactly("rules.yaml:3:11: 'keys' must list at least one attribute key");
  }

  @Test
  void rejectsAnInvalidRegexWithItsDescription() {
    assertThat(
            problems(
                """
                redact:
                  - name: tokens
                    values: "Bearer [A-Z"
                    action: remove
                """))
        .containsExactly(
            "rules.yaml:3:13: 'values' is not a valid regex: Unclosed character class near index"
                + " 10");
  }

  @Test
  void rejectsARegexThatMatchesTheEmptyString() {
    assertThat(problems("redact:\n  - name: tokens\n    values: 'x*'\n    action: remove\n"))
        .containsExactly(
            "rules.yaml:3:13: the 'values' regex 'x*' matches the empty string; it must match at"
                + " least one character");
  }

  @Test
  void rejectsValuesThatAreNotOneString() {
    assertThat(problems("redact:\n  - name: tokens\n    values: [a, b]\n    action: remove\n"))
        .containsExactly(
            "rules.yaml:3:13: 'values' must be one regex string; join alternatives with |");
    assertThat(problems("redact:\n  - name: tokens\n    values: ''\n    action: remove\n"))
        .containsExactly("rules.yaml:3:13: 'values' must be a non-empty regex");
  }

  @Test
  void rejectsAnUnknownAction() {
    assertThat(problems("redact:\n  - name: emails\n    keys: user.email\n    action: hide\n"))
        .containsExactly(
            "rules.yaml:4:13: unknown redact action 'hide': use remove, hash, mask or { mask:"
                + " \"REPLACEMENT\" }");
    assertThat(
            problems("redact:\n  - name: emails\n    keys: user.email\n    action: { hide: x }\n"))
        .containsExactly(
            "rules.yaml:4:15: unknown redact action 'hide': use remove, hash, mask or { mask:"
                + " \"REPLACEMENT\" }");
  }

  @Test
  void rejectsAnArgumentToAnActionThatTakesNone() {
    assertThat(
            problems("redact:\n  - name: emails\n    keys: user.email\n    action: { hash: x }\n"))
        .containsExactly("rules.yaml:4:15: action 'hash' takes no value: write 'action: hash'");
  }

  @Test
  void rejectsAMaskWithoutReplacement() {
    assertThat(
            problems("redact:\n  - name: emails\n    keys: user.email\n    action:\n      mask:\n"))
        .containsExactly("rules.yaml:5:12: the mask replacement must be a string");
  }

  @Test
  void rejectsAnActionMappingWithSeveralKeys() {
    assertThat(
            problems(
                "redact:\n  - name: emails\n    keys: user.email\n"
                    + "    action: { mask: a, hash: b }\n"))
        .containsExactly(
            "rules.yaml:4:13: an action mapping must have exactly one key, like { mask: \"***\" }");
  }

  @Test
  void rejectsAnActionOfTheWrongType() {
    assertThat(problems("redact:\n  - name: emails\n    keys: user.email\n    action: [mask]\n"))
        .containsExactly(
            "rules.yaml:4:13: 'action' must be remove, hash, mask or { mask: \"REPLACEMENT\" }");
  }

  @Test
  void reportsEveryProblemOfTheFileAtOnceInFileOrder() {
    List<String> problems =
        problems(
            """
            redact:
              - name: emails
                keys: ['']
                action: hash
              - name: tokens
                values: '('
                action: maks
            """,
            "rules:\n  - name: default\n    action: kepe\n");

    assertThat(problems)
        .hasSize(4)
        .startsWith(
            "rules.yaml:3:12: an attribute key must not be empty",
            "rules.yaml:6:13: 'values' is not a valid regex: Unclosed group near index 1",
            "rules.yaml:7:13: unknown redact action 'maks': use remove, hash, mask or { mask:"
                + " \"REPLACEMENT\" }");
    // The rules' own message is RulesFileParser's; only its position matters here.
    assertThat(problems.get(3)).startsWith("rules.yaml:10:13: unknown action 'kepe'");
  }

  private static List<String> problems(String redact) {
    return problems(redact, RULES);
  }

  private static List<String> problems(String redact, String rules) {
    String yaml = redact + rules;
    RuleValidationException exception =
        catchThrowableOfType(
            RuleValidationException.class, () -> RuleSet.parse(yaml, "rules.yaml"));
    assertThat(exception).as("expected problems in:%n%s", yaml).isNotNull();
    return exception.problems().stream().map(RuleProblem::toString).toList();
  }
}
