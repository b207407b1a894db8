package io.tailstream.decision;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The rules that decisions use now, and the optional candidate rules evaluated beside them as a
 * dry run. Swapping is atomic: a decision reads one {@link Snapshot} and uses it throughout, so it
 * sees either the old or the new rules, never a mix.
 */
public final class ActiveRules {
  private final AtomicReference<Snapshot> current;

  /**
   * The rules in force at one moment.
   *
   * @param active the rules that decide
   * @param candidate the dry-run rules, or null
   * @param diff what the candidate would have decided differently since it was loaded, or null
   */
  public record Snapshot(LoadedRules active, LoadedRules candidate, CandidateDiff diff) {
    public Snapshot {
      requireNonNull(active, "active");
    }
  }

  public ActiveRules(LoadedRules initial) {
    this.current = new AtomicReference<>(new Snapshot(initial, null, null));
  }

  /** Rules whose redaction needs no hash key, with no candidate; for tests and tools. */
  public ActiveRules(io.tailstream.rules.RuleSet initial) {
    this(LoadedRules.of(initial));
  }

  /** The rules in force, read once per decision. */
  public Snapshot snapshot() {
    return current.get();
  }

  /** The active rules. */
  public LoadedRules active() {
    return current.get().active();
  }

  /** The candidate rules, if any. */
  public Optional<LoadedRules> candidate() {
    return Optional.ofNullable(current.get().candidate());
  }

  /** The candidate's diff since it was loaded, if there is a candidate. */
  public Optional<CandidateDiff> candidateDiff() {
    return Optional.ofNullable(current.get().diff());
  }

  /** Makes {@code next} the active rule set for every later decision; the candidate stays. */
  public void swap(LoadedRules next) {
    requireNonNull(next, "next");
    current.updateAndGet(s -> new Snapshot(next, s.candidate(), s.diff()));
  }

  /**
   * Makes {@code next} the candidate, with a fresh diff; null removes the candidate.
   */
  public void swapCandidate(LoadedRules next) {
    current.updateAndGet(s -> new Snapshot(s.active(), next,
        next == null ? null : new CandidateDiff(next.hash(), next.loadedAt())));
  }
}
