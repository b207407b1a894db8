package io.tailstream.decision;

import io.tailstream.rules.RuleSet;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The rule set that decisions use now. Swapping is atomic: a decision uses either the old or the
 * new rules, never a mix.
 */
public final class ActiveRules {
  private final AtomicReference<Loaded> current;

  /** A rule set and when it became active. */
  public record Loaded(RuleSet rules, Instant loadedAt) {
    public Loaded {
      Objects.requireNonNull(rules, "rules");
      Objects.requireNonNull(loadedAt, "loadedAt");
    }
  }

  public ActiveRules(RuleSet initial) {
    this.current = new AtomicReference<>(new Loaded(initial, Instant.now()));
  }

  /** The rules in force. */
  public RuleSet rules() {
    return current.get().rules();
  }

  /** The rules in force and when they were loaded. */
  public Loaded loaded() {
    return current.get();
  }

  /** Makes {@code next} the active rule set for every later decision. */
  public void swap(RuleSet next) {
    current.set(new Loaded(next, Instant.now()));
  }
}
