package io.tailstream.bench.workload;

import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The rule sets the benchmarks evaluate. The 10-rule set ({@code rules-10.yaml} beside this
 * class) is what a platform team would run; the 50-rule set adds 40 per-team rules of the usual
 * shapes (root service and route, a root attribute, one service's spans) that this workload never
 * matches, so that, as in production, most traces are checked against every rule.
 */
public final class BenchRules {
  /** Rule counts with a ready-made set. */
  public static final int[] SIZES = {1, 10, 50};
  /** Drops every trace. */
  public static final String DROP_ALL = "rules:\n  - name: drop-all\n    action: drop\n";
  /** Keeps every trace. */
  public static final String KEEP_ALL = "rules:\n  - name: keep-all\n    action: keep\n";

  private static final String DEFAULT_RULE = "  - name: default\n    action: { sample: 0.05 }\n";

  private BenchRules() {}

  /**
   * The YAML of the set of {@code count} rules.
   *
   * @throws IllegalArgumentException if there is no set of that size
   */
  public static String yaml(int count) {
    switch (count) {
      case 1:
        return "rules:\n" + DEFAULT_RULE;
      case 10:
        return tenRules();
      case 50:
        return fiftyRules();
      default:
        throw new IllegalArgumentException("no rule set of " + count + " rules; there are 1, 10"
            + " and 50");
    }
  }

  /** The parsed set of {@code count} rules, with fresh {@code limit} state. */
  public static RuleSet parse(int count) {
    return parseYaml(yaml(count), "rules-" + count + ".yaml");
  }

  /** Parses rules that are known to be valid. */
  public static RuleSet parseYaml(String yaml, String name) {
    try {
      return RuleSet.parse(yaml, name);
    } catch (RuleValidationException e) {
      throw new IllegalStateException("benchmark rules are invalid: " + e.getMessage(), e);
    }
  }

  private static String tenRules() {
    try (InputStream in = BenchRules.class.getResourceAsStream("rules-10.yaml")) {
      if (in == null) {
        throw new IllegalStateException("rules-10.yaml is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fiftyRules() {
    String ten = tenRules();
    StringBuilder yaml = new StringBuilder(ten.substring(0, ten.indexOf("  - name: default")));
    String[] services = Emitter.SERVICES;
    for (int i = 0; i < 40; i++) {
      String service = services[1 + i % (services.length - 1)];
      yaml.append("  - name: team-rule-").append(i).append('\n').append("    when: >-\n      ");
      switch (i % 4) {
        case 0:
          yaml.append(String.format(Locale.ROOT,
              "root.service == \"%s\" && root.name == \"GET /v%d/reports\"", service, i));
          yaml.append("\n    action: { limit: { per-second: 10, key: root.name } }\n");
          break;
        case 1:
          yaml.append(String.format(Locale.ROOT, "\"app.tenant.id\" in root.attributes &&"
              + " root.attributes[\"app.tenant.id\"] == \"tenant-vip-%d\"", i));
          yaml.append("\n    action: keep\n");
          break;
        case 2:
          yaml.append(String.format(Locale.ROOT, "spans.exists(s, s.service == \"%s\" &&"
              + " s.name == \"GET /v%d/export\" && s.duration > duration(\"%dms\"))",
              service, i, 200 + 10 * i));
          yaml.append("\n    action: keep\n");
          break;
        default:
          yaml.append(String.format(Locale.ROOT, "root.service == \"frontend\" &&"
              + " \"http.route\" in root.attributes &&"
              + " root.attributes[\"http.route\"] == \"/api/v%d/legacy\"", i));
          yaml.append("\n    action: { sample: 0.2 }\n");
          break;
      }
    }
    return yaml.append(DEFAULT_RULE).toString();
  }
}
