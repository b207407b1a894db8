package io.tailstream.decision;

import static java.util.Objects.requireNonNull;

import io.tailstream.rules.Redactor;
import io.tailstream.rules.RuleSet;
import java.time.Instant;

/**
 * A validated rule set ready to decide traces: the rules, the redactor built from their {@code
 * redact:} section with the configured hash key, and when they were loaded.
 */
public record LoadedRules(RuleSet rules, Redactor redactor, Instant loadedAt) {
  public LoadedRules {
    requireNonNull(rules, "rules");
    requireNonNull(redactor, "redactor");
    requireNonNull(loadedAt, "loadedAt");
  }

  /** Rules whose redaction needs no hash key; for tests and tools. */
  public static LoadedRules of(RuleSet rules) {
    return new LoadedRules(rules, rules.redaction().redactor(null), Instant.now());
  }

  /** The rules' version: the first 16 hex characters of the file's SHA-256. */
  public String hash() {
    return rules.hash();
  }
}
