package io.tailstream.rules;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.cel.runtime.CelEvaluationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A validated set of sampling rules. Rules are evaluated top to bottom and the first whose {@code
 * when} is true decides; the last rule has no {@code when}, so every trace gets a decision.
 *
 * <p>Instances are immutable apart from their counters and the per-key state of {@code limit}
 * and {@code adaptive} rules, and safe to share between threads.
 */
public final class RuleSet {

  private static final Logger LOG = LoggerFactory.getLogger(RuleSet.class);
  private static final int HASH_HEX_CHARS = 16;
  private static final String WHEN_FAILED = "counts as not matched";
  private static final String KEY_FAILED = "the trace is decided with the rule's shared budget";

  private final String source;
  private final String hash;
  private final List<CompiledRule> rules;
  private final Map<String, CompiledRule> rulesByName;
  private final List<String> ruleNames;
  private final Redaction redaction;
  private final List<RuleListener> listeners = new CopyOnWriteArrayList<>();
  private final RuleListener actionEvents = new ActionEvents();

  private RuleSet(String source, String hash, RulesFileParser.Parsed parsed) {
    this.source = source;
    this.hash = hash;
    this.rules = List.copyOf(parsed.rules());
    this.redaction = parsed.redaction();
    List<CompiledRule> rules = this.rules;
    Map<String, CompiledRule> byName = new LinkedHashMap<>();
    for (CompiledRule rule : rules) {
      byName.put(rule.name(), rule);
      if (rule.when() != null) {
        LOG.debug("Rule '{}' in {} evaluates its 'when' as {}", rule.name(), source, rule.when());
      }
    }
    this.rulesByName = byName;
    this.ruleNames = List.copyOf(byName.keySet());
  }

  /**
   * Reads and validates a rules file.
   *
   * @param file the rules file, UTF-8 YAML; problems name it as given here
   * @return the rules
   * @throws RuleValidationException if the file cannot be read or has problems; the exception
   *     lists all of them
   */
  public static RuleSet load(Path file) throws RuleValidationException {
    return load(file, RuleContext.standalone());
  }

  /**
   * Reads and validates a rules file whose stateful actions run in {@code context}.
   *
   * @param file the rules file, UTF-8 YAML; problems name it as given here
   * @param context the clock, budget share and key bound of {@code limit} and {@code adaptive}
   * @return the rules
   * @throws RuleValidationException if the file cannot be read or has problems; the exception
   *     lists all of them
   */
  public static RuleSet load(Path file, RuleContext context) throws RuleValidationException {
    requireNonNull(file, "file");
    requireNonNull(context, "context");
    String source = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw fileProblem(source, "the rules file does not exist");
    } catch (IOException e) {
      throw fileProblem(source, "cannot read the rules file: " + e);
    }
    String yaml;
    try {
      yaml = UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw fileProblem(source, "the rules file is not valid UTF-8");
    }
    return new RuleSet(source, hash(bytes), RulesFileParser.parse(yaml, source, context));
  }

  /**
   * Validates rules given as text.
   *
   * @param yaml the rules file's content
   * @param sourceName the name that problems start with, usually the file name
   * @return the rules
   * @throws RuleValidationException if the rules have problems; the exception lists all of them
   */
  public static RuleSet parse(String yaml, String sourceName) throws RuleValidationException {
    return parse(yaml, sourceName, RuleContext.standalone());
  }

  /**
   * Validates rules given as text, whose stateful actions run in {@code context}.
   *
   * @param yaml the rules file's content
   * @param sourceName the name that problems start with, usually the file name
   * @param context the clock, budget share and key bound of {@code limit} and {@code adaptive}
   * @return the rules
   * @throws RuleValidationException if the rules have problems; the exception lists all of them
   */
  public static RuleSet parse(String yaml, String sourceName, RuleContext context)
      throws RuleValidationException {
    requireNonNull(yaml, "yaml");
    requireNonNull(sourceName, "sourceName");
    requireNonNull(context, "context");
    return new RuleSet(
        sourceName, hash(yaml.getBytes(UTF_8)), RulesFileParser.parse(yaml, sourceName, context));
  }

  /**
   * Decides a trace with the first matching rule. A {@code when} that fails at run time, for
   * example by reading a missing map key, counts as not matched: the failure is counted for
   * {@link #evaluationFailures} and reported to the {@link RuleListener}s. A {@code key} that
   * fails is counted and reported the same way, and the trace is decided with the rule's shared
   * budget. So is a trace whose key is new when the rule already tracks {@link
   * RuleContext#maxKeysPerRule()} keys; it is counted for {@link #keyOverflows} and reported.
   *
   * <p>Safe to call from several threads at once.
   *
   * @param trace the whole trace
   * @return the decision; never null
   */
  public Decision evaluate(TraceView trace) {
    requireNonNull(trace, "trace");
    TraceVariables variables = new TraceVariables(trace);
    for (CompiledRule rule : rules) {
      if (matches(rule, variables)) {
        return rule.action().decide(rule.name(), trace, variables, actionEvents);
      }
    }
    // Validation guarantees that the last rule has no 'when', so this is a bug.
    throw new IllegalStateException("no rule matched in " + source);
  }

  private boolean matches(CompiledRule rule, TraceVariables variables) {
    if (rule.when() == null) {
      return true;
    }
    Object result;
    try {
      result = rule.when().eval(variables);
    } catch (CelEvaluationException | RuntimeException e) {
      failed(rule, e, WHEN_FAILED);
      return false;
    }
    if (result instanceof Boolean) {
      return (Boolean) result;
    }
    failed(
        rule,
        new IllegalStateException("'when' returned " + result + " instead of a bool"),
        WHEN_FAILED);
    return false;
  }

  private void failed(CompiledRule rule, Exception failure, String consequence) {
    if (rule.recordFailure()) {
      // A data-dependent failure, not a bug: the message is enough; DEBUG has the stack.
      LOG.warn(
          "Rule '{}' in {} failed and {} ({}: {}); later failures are logged at DEBUG",
          rule.name(),
          source,
          consequence,
          failure.getClass().getSimpleName(),
          failure.getMessage());
    } else {
      LOG.debug("Rule '{}' in {} failed and {}", rule.name(), source, consequence, failure);
    }
    for (RuleListener listener : listeners) {
      try {
        listener.evaluationFailed(rule.name(), failure);
      } catch (RuntimeException e) {
        LOG.warn("A rule listener threw", e);
      }
    }
  }

  private void keyOverflowed(CompiledRule rule) {
    if (rule.recordKeyOverflow()) {
      LOG.warn(
          "Rule '{}' in {} tracks as many keys as it may, so traces with further keys share one"
              + " budget until idle keys are evicted; later overflows are logged at DEBUG",
          rule.name(),
          source);
    } else {
      LOG.debug("Rule '{}' in {} decided a key beyond its key bound", rule.name(), source);
    }
    for (RuleListener listener : listeners) {
      try {
        listener.keyOverflowed(rule.name());
      } catch (RuntimeException e) {
        LOG.warn("A rule listener threw", e);
      }
    }
  }

  /** What the actions report: counted and logged here, then passed to the listeners. */
  private final class ActionEvents implements RuleListener {
    @Override
    public void evaluationFailed(String rule, Exception failure) {
      failed(rulesByName.get(rule), failure, KEY_FAILED);
    }

    @Override
    public void keyOverflowed(String rule) {
      RuleSet.this.keyOverflowed(rulesByName.get(rule));
    }
  }

  /** Returns the {@code redact:} section; {@link Redaction#NONE} when the file has none. */
  public Redaction redaction() {
    return redaction;
  }

  /** Returns where the rules came from: the file name, or the name given to {@link #parse}. */
  public String source() {
    return source;
  }

  /** Returns the compiled rules, in evaluation order. */
  List<CompiledRule> compiledRules() {
    return rules;
  }

  /** Returns the rule names, in evaluation order. */
  public List<String> ruleNames() {
    return ruleNames;
  }

  /**
   * Returns the first 16 hex characters of the SHA-256 of the rules file's bytes (of the UTF-8
   * text for {@link #parse}), which identifies a version of the rules.
   */
  public String hash() {
    return hash;
  }

  /**
   * Registers a listener for rules whose {@code when} or {@code key} fails at run time, and for
   * keys beyond the key bound. Listeners are called on the evaluating thread, in registration
   * order.
   *
   * @param listener told the rule name and what happened
   */
  public void addListener(RuleListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /**
   * Registers a listener for rules whose {@code when} or {@code key} fails at run time; the same
   * as {@link #addListener} with a listener of failures only.
   *
   * @param listener told the rule name and the failure
   */
  public void onEvaluationFailure(RuleFailureListener listener) {
    addListener(requireNonNull(listener, "listener"));
  }

  /**
   * Returns how many times the rule's {@code when} or {@code key} failed at run time since this
   * set was created, or 0 for a name that is not a rule of this set.
   */
  public long evaluationFailures(String ruleName) {
    CompiledRule rule = rulesByName.get(ruleName);
    return rule == null ? 0L : rule.failures();
  }

  /**
   * Returns how many traces of a {@code limit} or {@code adaptive} rule had a new key while the
   * rule tracked {@link RuleContext#maxKeysPerRule()} keys, and so were decided with its shared
   * budget, since this set was created; 0 for other rules and for a name that is not a rule of
   * this set.
   */
  public long keyOverflows(String ruleName) {
    CompiledRule rule = rulesByName.get(ruleName);
    return rule == null ? 0L : rule.keyOverflows();
  }

  @Override
  public String toString() {
    return "RuleSet{source=" + source + ", hash=" + hash + ", rules=" + ruleNames + '}';
  }

  /** A problem with the file as a whole, which has no better position than its start. */
  private static RuleValidationException fileProblem(String source, String message) {
    return new RuleValidationException(List.of(new RuleProblem(source, 1, 1, message)));
  }

  private static String hash(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(digest).substring(0, HASH_HEX_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
