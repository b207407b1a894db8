package io.tailstream.decision;

import io.tailstream.rules.Decision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts, since a candidate rule set was loaded, how its decisions compare with the active ones:
 * by (active decision, candidate decision) and by the deciding rules. Bounded by the number of
 * rule pairs. Thread-safe.
 */
public final class CandidateDiff {
  private final String candidateHash;
  private final Instant since;
  private final Map<Pair, LongAdder> counts = new ConcurrentHashMap<>();

  /**
   * One combination of decisions.
   *
   * @param activeRule the active rule that decided
   * @param activeKept whether the active rules kept the trace
   * @param candidateRule the candidate rule that would have decided
   * @param candidateKept whether the candidate would have kept it
   */
  public record Pair(String activeRule, boolean activeKept, String candidateRule,
      boolean candidateKept) {}

  /** A pair and how many traces fell into it. */
  public record Count(Pair pair, long traces) {}

  CandidateDiff(String candidateHash, Instant since) {
    this.candidateHash = candidateHash;
    this.since = since;
  }

  /** Counts one trace decided by both rule sets. */
  public void record(Decision active, Decision candidate) {
    counts.computeIfAbsent(
            new Pair(active.rule(), active.kept(), candidate.rule(), candidate.kept()),
            p -> new LongAdder())
        .increment();
  }

  /** The hash of the candidate these counts belong to. */
  public String candidateHash() {
    return candidateHash;
  }

  /** When the candidate was loaded, which is when counting started. */
  public Instant since() {
    return since;
  }

  /** Every pair seen, with its count, most frequent first. */
  public List<Count> counts() {
    List<Count> out = new ArrayList<>();
    counts.forEach((pair, n) -> out.add(new Count(pair, n.sum())));
    out.sort(Comparator.comparingLong(Count::traces).reversed()
        .thenComparing(c -> c.pair().activeRule())
        .thenComparing(c -> c.pair().candidateRule()));
    return out;
  }
}
