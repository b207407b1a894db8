package io.tailstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a Grafana dashboard queries, and the names a Prometheus scrape exposes, so that
 * a test can check that every panel has data to show.
 *
 * <p>Names come from every panel target's {@code expr} (panels inside collapsed rows included)
 * and from {@code label_values(metric, label)} template variables. PromQL is not parsed: string
 * literals, Grafana variables, label matchers, range selectors and grouping label lists are
 * removed, and what identifiers remain, other than function calls and keywords, are metric names.
 */
final class DashboardQueries {
  /** The dashboard the Helm chart ships (and installs with {@code grafanaDashboard.enabled}). */
  static final Path SHIPPED =
      Path.of("..", "deploy", "helm", "tailstream", "dashboards", "tailstream.json");

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\""
      + "|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
  private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  // The look-behind skips the unit of a duration (5m) and the exponent of a number (1e3).
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring",
      "group_left", "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf",
      "nan");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\s*\\((.+),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*$");

  private DashboardQueries() {}

  /**
   * The metric names queried by a dashboard's panels and template variables.
   *
   * @throws IOException if the file cannot be read or is not JSON
   */
  static Set<String> metricNames(Path dashboardJson) throws IOException {
    JsonNode dashboard = JSON.readTree(dashboardJson.toFile());
    Set<String> names = new TreeSet<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        names.addAll(metricNamesIn(target.path("expr").asText("")));
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      JsonNode query = variable.path("query");
      // Newer Grafana stores a Prometheus variable's query as an object.
      String text = query.isObject() ? query.path("query").asText("") : query.asText("");
      Matcher labelValues = LABEL_VALUES.matcher(text);
      if (labelValues.matches()) {
        names.addAll(metricNamesIn(labelValues.group(1)));
      }
    }
    return names;
  }

  /** Every panel of a dashboard, with the panels of collapsed rows after their row. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  /** The metric names in one PromQL expression, which may hold Grafana variables. */
  static Set<String> metricNamesIn(String promql) {
    String rest = STRING.matcher(promql).replaceAll(" ");
    rest = VARIABLE.matcher(rest).replaceAll(" ");
    rest = LABEL_MATCHERS.matcher(rest).replaceAll(" ");
    rest = RANGE.matcher(rest).replaceAll(" ");
    rest = GROUPING.matcher(rest).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher identifier = IDENTIFIER.matcher(rest);
    while (identifier.find()) {
      // PromQL puts nothing but a function or aggregation name before '(', so no list of
      // functions is needed.
      boolean call = identifier.group(2) != null;
      String name = identifier.group(1);
      if (!call && !KEYWORDS.contains(name.toLowerCase())) {
        names.add(name);
      }
    }
    return names;
  }

  /** The sample names in a Prometheus text exposition, in order of first appearance. */
  static List<String> prometheusMetricNames(String scrape) {
    Set<String> names = new LinkedHashSet<>();
    for (String line : scrape.split("\n")) {
      String sample = line.strip();
      if (sample.isEmpty() || sample.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < sample.length() && sample.charAt(end) != '{'
          && !Character.isWhitespace(sample.charAt(end))) {
        end++;
      }
      names.add(sample.substring(0, end));
    }
    return List.copyOf(names);
  }
}
