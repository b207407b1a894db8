package io.tailstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.CandidateDiff;
import io.tailstream.decision.LoadedRules;
import java.io.UncheckedIOException;

/** The JSON bodies of {@code GET /rules} and {@code GET /rules/candidate/diff}. */
final class RulesJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RulesJson() {}

  /**
   * The rules in force: {@code hash}, {@code loaded_at}, {@code source}, {@code rules} (names in
   * order), {@code redact} (entry names), and {@code candidate} (the same fields, or null).
   */
  static String rules(ActiveRules.Snapshot snapshot) {
    ObjectNode root = describe(snapshot.active());
    root.set("candidate", snapshot.candidate() == null
        ? MAPPER.nullNode() : describe(snapshot.candidate()));
    return write(root);
  }

  /**
   * The candidate's dry run: the hashes, {@code since}, {@code traces}, totals kept by each set,
   * and {@code by_decision} and {@code by_rule} counts, most frequent first.
   */
  static String candidateDiff(ActiveRules.Snapshot snapshot) {
    CandidateDiff diff = snapshot.diff();
    ObjectNode root = MAPPER.createObjectNode();
    root.put("active_hash", snapshot.active().hash());
    root.put("candidate_hash", diff.candidateHash());
    root.put("since", diff.since().toString());
    long total = 0;
    long activeKept = 0;
    long candidateKept = 0;
    long[][] byDecision = new long[2][2];
    ArrayNode byRule = MAPPER.createArrayNode();
    for (CandidateDiff.Count c : diff.counts()) {
      CandidateDiff.Pair p = c.pair();
      total += c.traces();
      activeKept += p.activeKept() ? c.traces() : 0;
      candidateKept += p.candidateKept() ? c.traces() : 0;
      byDecision[p.activeKept() ? 0 : 1][p.candidateKept() ? 0 : 1] += c.traces();
      byRule.addObject()
          .put("active_rule", p.activeRule())
          .put("active", decision(p.activeKept()))
          .put("candidate_rule", p.candidateRule())
          .put("candidate", decision(p.candidateKept()))
          .put("traces", c.traces());
    }
    root.put("traces", total);
    root.putObject("kept").put("active", activeKept).put("candidate", candidateKept);
    ArrayNode pairs = root.putArray("by_decision");
    for (int a = 0; a < 2; a++) {
      for (int c = 0; c < 2; c++) {
        pairs.addObject()
            .put("active", decision(a == 0))
            .put("candidate", decision(c == 0))
            .put("traces", byDecision[a][c]);
      }
    }
    root.set("by_rule", byRule);
    return write(root);
  }

  private static ObjectNode describe(LoadedRules loaded) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("hash", loaded.hash());
    node.put("loaded_at", loaded.loadedAt().toString());
    node.put("source", loaded.rules().source());
    ArrayNode names = node.putArray("rules");
    loaded.rules().ruleNames().forEach(names::add);
    ArrayNode redact = node.putArray("redact");
    loaded.rules().redaction().entryNames().forEach(redact::add);
    return node;
  }

  private static String decision(boolean kept) {
    return kept ? "keep" : "drop";
  }

  private static String write(ObjectNode node) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("a JSON tree always serialises", e);
    }
  }
}
