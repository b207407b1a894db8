package io.tailstream.rulestest;

import io.tailstream.rules.Decision;
import io.tailstream.rules.Explanation;
import io.tailstream.rules.SpanView;
import io.tailstream.rules.TraceView;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Writes an {@link Explanation} as lines for people:
 *
 * <pre>
 * rule 1 'drop-health-checks': not matched
 *   when: "http.route" in root.attributes &amp;&amp; root.attributes["http.route"] in ["/healthz"]
 *   - "http.route" in root.attributes -&gt; true
 *       root.attributes -&gt; {"http.route": "/checkout"}
 *   - root.attributes["http.route"] in ["/healthz"] -&gt; false
 *       root.attributes["http.route"] -&gt; "/checkout"
 * rule 2 'errors': MATCHED
 *   when: trace.error_count &gt; 0
 *   - trace.error_count &gt; 0 -&gt; true
 *       trace.error_count -&gt; 1
 * rule 3 'default': not reached
 * decided by rule 'errors': keep (sample rate 1)
 * </pre>
 */
public final class ExplanationPrinter {

  private static final Pattern LINE_BREAKS = Pattern.compile("\\s*\\R\\s*");

  private ExplanationPrinter() {}

  /**
   * Returns the lines for the rules and the decision.
   *
   * @param explanation what to write
   * @param evaluatedOnly whether to leave out the rules after the deciding one
   */
  public static List<String> lines(Explanation explanation, boolean evaluatedOnly) {
    List<String> lines = new ArrayList<>();
    List<Explanation.RuleResult> rules =
        evaluatedOnly ? explanation.evaluatedRules() : explanation.rules();
    for (int i = 0; i < rules.size(); i++) {
      rule(lines, i + 1, rules.get(i));
    }
    lines.add(
        "decided by rule '"
            + explanation.decidingRule()
            + "': "
            + decision(explanation.decision()));
    return lines;
  }

  /** Returns {@code keep (sample rate 1)} or {@code drop (sample rate 0.05)}. */
  public static String decision(Decision decision) {
    return outcome(decision) + " " + sampleRate(decision);
  }

  /** Returns {@code keep by rule 'errors' (sample rate 1)}. */
  public static String decisionByRule(Decision decision) {
    return outcome(decision) + " by rule '" + decision.rule() + "' " + sampleRate(decision);
  }

  private static String outcome(Decision decision) {
    return decision.outcome().name().toLowerCase(Locale.ROOT);
  }

  private static String sampleRate(Decision decision) {
    return "(sample rate "
        + BigDecimal.valueOf(decision.sampleRate()).stripTrailingZeros().toPlainString()
        + ")";
  }

  /**
   * Returns one line that describes a trace: {@code trace 4bf9...: 2 spans, 1 error, 2 services,
   * 1.2s, root checkout "POST /checkout", completion idle}.
   */
  public static String summary(TraceView trace) {
    String root = trace.root().map(ExplanationPrinter::describeRoot).orElse("no root span");
    return "trace "
        + trace.traceIdHex()
        + ": "
        + count(trace.spanCount(), "span")
        + ", "
        + count(trace.errorCount(), "error")
        + ", "
        + count(trace.serviceCount(), "service")
        + ", "
        + duration(Duration.ofNanos(trace.durationNanos()))
        + ", "
        + root
        + ", completion "
        + trace.completion().label();
  }

  private static void rule(List<String> lines, int number, Explanation.RuleResult rule) {
    String header = "rule " + number + " '" + rule.name() + "': " + outcome(rule);
    lines.add(header);
    if (rule.outcome() == Explanation.Outcome.NOT_REACHED) {
      return;
    }
    if (rule.when() != null) {
      lines.add("  when: " + LINE_BREAKS.matcher(rule.when().strip()).replaceAll(" "));
    }
    for (Explanation.Term term : rule.terms()) {
      lines.add("  - " + term.expression() + " -> " + term.value());
      for (Explanation.Term operand : term.operands()) {
        lines.add("      " + operand.expression() + " -> " + operand.value());
      }
    }
  }

  private static String outcome(Explanation.RuleResult rule) {
    switch (rule.outcome()) {
      case MATCHED:
        return rule.isCatchAll() ? "MATCHED (catch-all)" : "MATCHED";
      case NOT_MATCHED:
        return "not matched";
      case FAILED:
        return "failed, counts as not matched: " + rule.failure();
      case NOT_REACHED:
      default:
        return "not reached";
    }
  }

  private static String describeRoot(SpanView root) {
    return "root " + root.service() + " \"" + root.name() + "\"";
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** Go-style, like the values in the explanation: 120ms, 1.2s, 2m30s. */
  static String duration(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    long seconds = duration.getSeconds();
    BigDecimal fraction = BigDecimal.valueOf(duration.getNano(), 9);
    if (seconds == 0 && duration.getNano() < 1_000_000) {
      return BigDecimal.valueOf(duration.getNano(), 3).stripTrailingZeros().toPlainString() + "us";
    } else if (seconds == 0) {
      return BigDecimal.valueOf(duration.getNano(), 6).stripTrailingZeros().toPlainString() + "ms";
    }
    String secondsPart =
        BigDecimal.valueOf(seconds % 60).add(fraction).stripTrailingZeros().toPlainString() + "s";
    if (seconds >= 3600) {
      return seconds / 3600 + "h" + seconds % 3600 / 60 + "m" + secondsPart;
    } else if (seconds >= 60) {
      return seconds / 60 + "m" + secondsPart;
    }
    return secondsPart;
  }
}
