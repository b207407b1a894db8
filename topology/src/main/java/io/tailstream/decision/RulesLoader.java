package io.tailstream.decision;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tailstream.rules.Redactor;
import io.tailstream.rules.RuleContext;
import io.tailstream.rules.RuleProblem;
import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Loads rules files for a running sampler: every rule set it loads shares the process's clock,
 * budget share and key bound, and gets a redactor with the configured hash key. A file that
 * fails to load, for any reason, is a {@link RuleValidationException} naming the file.
 */
public final class RulesLoader {
  private final RuleContext context;
  private final byte[] hashKey;
  private final Clock clock;

  /**
   * @param hashKey the secret for {@code hash} redactions, or null when none is configured
   */
  public RulesLoader(RuleContext context, String hashKey, Clock clock) {
    this.context = context;
    this.hashKey = hashKey == null ? null : hashKey.getBytes(UTF_8);
    this.clock = clock;
  }

  /**
   * Reads, validates and prepares a rules file.
   *
   * @throws RuleValidationException with every problem, including a {@code redact:} section that
   *     hashes values when no hash key is configured
   */
  public LoadedRules load(Path file) throws RuleValidationException {
    RuleSet rules = RuleSet.load(file, context);
    Redactor redactor;
    try {
      redactor = rules.redaction().redactor(hashKey);
    } catch (IllegalArgumentException e) {
      throw new RuleValidationException(List.of(new RuleProblem(file.toString(), 1, 1,
          e.getMessage() + " (set rules.hash-key or TAILSTREAM_RULES_HASH_KEY)")));
    }
    return new LoadedRules(rules, redactor, clock.instant());
  }
}
