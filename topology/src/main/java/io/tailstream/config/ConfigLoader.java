package io.tailstream.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tailstream.config.TailstreamConfig.InputEncoding;
import io.tailstream.config.TailstreamConfig.ProcessingGuarantee;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Loads a {@link TailstreamConfig} from YAML, {@code TAILSTREAM_*} environment variables and
 * defaults, in increasing order of precedence: default, file, environment.
 *
 * <p>Every key can be overridden by {@code TAILSTREAM_} followed by the upper-cased key path with
 * {@code .} and {@code -} written as {@code _}, for example {@code TAILSTREAM_DECISION_WAIT}.
 * Kafka client properties are set with {@code TAILSTREAM_KAFKA_PROPERTIES_<NAME>}, where {@code _}
 * in NAME stands for {@code .}: {@code TAILSTREAM_KAFKA_PROPERTIES_SECURITY_PROTOCOL=SASL_SSL}.
 *
 * <p>Unknown keys and bad values are collected and reported together in one {@link
 * InvalidConfigException}.
 */
public final class ConfigLoader {
  /** Prefix of pass-through Kafka properties. */
  static final String KAFKA_PROPERTIES = "kafka.properties";

  private static final String ENV_PREFIX = "TAILSTREAM_";
  private static final String ENV_KAFKA_PROPERTIES = "TAILSTREAM_KAFKA_PROPERTIES_";
  /** Environment variables the launcher uses; they are not config keys. */
  private static final Set<String> LAUNCHER_VARIABLES =
      Set.of("TAILSTREAM_OPTS", "TAILSTREAM_HOME", "TAILSTREAM_JAR");

  private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  /** Bounds of {@code limits.max-trace-bytes}: a trace is held in one array when it is decided. */
  static final long MIN_TRACE_BYTES = 1024;
  static final long MAX_TRACE_BYTES = 1L << 30;
  /** Below this, RocksDB spends its time flushing tiny memtables. */
  static final long MIN_ROCKSDB_MEMORY = 8L << 20;
  /**
   * The smallest {@code max.request.size} accepted: kept traces are written in parts of {@code
   * max.request.size} minus {@link
   * io.tailstream.emit.SampledRecordSplitter#RECORD_OVERHEAD_BYTES}.
   */
  static final int MIN_MAX_REQUEST_SIZE = 4096;

  /** The OpenTelemetry Collector {@code spanmetrics} connector's default buckets. */
  static final String DEFAULT_DURATION_BUCKETS =
      "2ms,4ms,6ms,8ms,10ms,50ms,100ms,200ms,400ms,800ms,1s,1400ms,2s,5s,10s,15s";
  /** Keys whose value may also be written as a YAML list; it is read as comma-separated. */
  private static final Set<String> LIST_KEYS =
      Set.of("metrics.dimensions", "metrics.duration-buckets");
  private static final Pattern ATTRIBUTE_KEY = Pattern.compile("[^\\s,=]+");

  /** Every scalar key with its default, in documentation order. */
  static final Map<String, String> DEFAULTS = defaults();

  private ConfigLoader() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("application-id", "tailstream");
    d.put("kafka.bootstrap-servers", "localhost:9092");
    d.put("input.encoding", "otlp_proto");
    d.put("input.partitioned-by-trace-id", "false");
    d.put("topics.spans", "otlp_spans");
    d.put("topics.sampled", "sampled_traces");
    d.put("topics.decisions", "trace_decisions");
    d.put("topics.metrics", "trace_metrics");
    d.put("topics.dead-letter", "tailstream_dlq");
    d.put("decision.wait", "10s");
    d.put("decision.root-grace", "2s");
    d.put("decision.max-trace-age", "5m");
    d.put("decision.late-span-window", "30m");
    d.put("decision.threads", "1");
    d.put("limits.max-spans-per-trace", "10000");
    d.put("limits.max-trace-bytes", "8MiB");
    d.put("rules.file", "rules.yaml");
    d.put("rules.candidate-file", "");
    d.put("rules.reload-interval", "2s");
    d.put("rules.max-keys-per-rule", "10000");
    d.put("rules.hash-key", "");
    d.put("processing-guarantee", "exactly_once_v2");
    d.put("state.dir", "./state");
    d.put("state.rocksdb.memory", "128MiB");
    d.put("http.host", "0.0.0.0");
    d.put("http.port", "8080");
    d.put("metrics.flush-interval", "15s");
    d.put("metrics.temporality", "cumulative");
    d.put("metrics.max-series", "10000");
    d.put("metrics.max-exemplars", "5");
    d.put("metrics.dimensions", "");
    d.put("metrics.duration-buckets", DEFAULT_DURATION_BUCKETS);
    return Collections.unmodifiableMap(d);
  }

  /**
   * Loads the YAML file, then applies environment overrides.
   *
   * @param file the YAML config file
   * @param environment usually {@code System.getenv()}
   * @throws InvalidConfigException listing every problem
   */
  public static TailstreamConfig load(Path file, Map<String, String> environment) {
    List<String> problems = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>();
    readYaml(file, values, problems);
    applyEnvironment(environment, values, problems);
    return build(values, problems);
  }

  /**
   * Builds a config from dotted keys ({@code decision.wait}, {@code kafka.properties.linger.ms})
   * over the defaults. Used by the demo and by tests.
   *
   * @throws InvalidConfigException listing every problem
   */
  public static TailstreamConfig fromMap(Map<String, String> values) {
    List<String> problems = new ArrayList<>();
    Map<String, String> copy = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      if (DEFAULTS.containsKey(k) || k.startsWith(KAFKA_PROPERTIES + ".")) {
        copy.put(k, v);
      } else {
        problems.add("unknown key '" + k + "'");
      }
    });
    return build(copy, problems);
  }

  /** The environment variable that overrides a key. */
  public static String environmentVariable(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static void readYaml(Path file, Map<String, String> values, List<String> problems) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      problems.add(file + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr()));
      return;
    } catch (IOException e) {
      problems.add(file + ": cannot be read: " + e);
      return;
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return; // an empty file means all defaults
    }
    if (!root.isObject()) {
      problems.add(file + ": must be a YAML mapping of config keys");
      return;
    }
    flatten("", root, values, problems);
  }

  private static void flatten(
      String prefix, JsonNode node, Map<String, String> values, List<String> problems) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      boolean underProperties = key.startsWith(KAFKA_PROPERTIES + ".");
      if (value.isObject()) {
        if (key.equals(KAFKA_PROPERTIES) || underProperties || isSection(key)) {
          flatten(key, value, values, problems);
        } else {
          problems.add("unknown key '" + key + "'");
        }
      } else if (key.equals(KAFKA_PROPERTIES)) {
        if (!value.isNull()) {
          problems.add("kafka.properties must be a mapping of Kafka property names to values");
        }
      } else if (!underProperties && !DEFAULTS.containsKey(key)) {
        problems.add(isSection(key)
            ? key + " must be a mapping, not a single value"
            : "unknown key '" + key + "'");
      } else if (value.isArray() && LIST_KEYS.contains(key)) {
        List<String> items = new ArrayList<>();
        value.forEach(item -> items.add(item.asText()));
        values.put(key, String.join(",", items));
      } else if (value.isArray()) {
        problems.add(key + " must be a single value, not a list");
      } else {
        values.put(key, value.isNull() ? "" : value.asText());
      }
    }
  }

  private static boolean isSection(String key) {
    String prefix = key + ".";
    return DEFAULTS.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  private static void applyEnvironment(
      Map<String, String> environment, Map<String, String> values, List<String> problems) {
    Map<String, String> byVariable = new LinkedHashMap<>();
    DEFAULTS.keySet().forEach(k -> byVariable.put(environmentVariable(k), k));
    new TreeMap<>(environment).forEach((name, value) -> {
      if (!name.startsWith(ENV_PREFIX) || LAUNCHER_VARIABLES.contains(name)) {
        return;
      }
      if (name.startsWith(ENV_KAFKA_PROPERTIES) && name.length() > ENV_KAFKA_PROPERTIES.length()) {
        String property = name.substring(ENV_KAFKA_PROPERTIES.length())
            .toLowerCase(Locale.ROOT).replace('_', '.');
        values.put(KAFKA_PROPERTIES + "." + property, value);
      } else if (byVariable.containsKey(name)) {
        values.put(byVariable.get(name), value);
      } else {
        problems.add("unknown environment variable " + name + " (no such config key)");
      }
    });
  }

  private static TailstreamConfig build(Map<String, String> values, List<String> problems) {
    Reader r = new Reader(values, problems);
    String applicationId = r.get("application-id", ConfigLoader::nonBlank);
    String bootstrap = r.get("kafka.bootstrap-servers", ConfigLoader::nonBlank);
    Map<String, String> properties = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(KAFKA_PROPERTIES + ".")) {
        properties.put(k.substring(KAFKA_PROPERTIES.length() + 1), v);
      }
    });
    InputEncoding encoding = r.get("input.encoding", v -> enumValue(InputEncoding.class, v));
    Boolean partitioned = r.get("input.partitioned-by-trace-id", ConfigLoader::bool);
    String spans = r.get("topics.spans", ConfigLoader::topic);
    String sampled = r.get("topics.sampled", ConfigLoader::topic);
    String decisions = r.get("topics.decisions", ConfigLoader::topic);
    String metrics = r.get("topics.metrics", ConfigLoader::topic);
    String deadLetter = r.get("topics.dead-letter", ConfigLoader::topic);
    Duration wait = r.get("decision.wait", ConfigLoader::positiveDuration);
    Duration rootGrace = r.get("decision.root-grace", ConfigLoader::positiveDuration);
    Duration maxAge = r.get("decision.max-trace-age", ConfigLoader::positiveDuration);
    Duration lateWindow = r.get("decision.late-span-window", ConfigLoader::positiveDuration);
    Integer decisionThreads = r.get("decision.threads", ConfigLoader::nonNegativeInt);
    Integer maxSpans = r.get("limits.max-spans-per-trace", ConfigLoader::positiveInt);
    Long maxTraceBytes = r.get("limits.max-trace-bytes",
        v -> size(v, MIN_TRACE_BYTES, MAX_TRACE_BYTES));
    String rulesFile = r.get("rules.file", ConfigLoader::nonBlank);
    String candidateFile = r.get("rules.candidate-file", String::trim);
    Duration reloadInterval = r.get("rules.reload-interval", ConfigLoader::positiveDuration);
    Integer maxKeys = r.get("rules.max-keys-per-rule", ConfigLoader::positiveInt);
    String hashKey = r.get("rules.hash-key", v -> v);
    ProcessingGuarantee guarantee = r.get("processing-guarantee", ConfigLoader::guarantee);
    String stateDir = r.get("state.dir", ConfigLoader::nonBlank);
    Long rocksDbMemory = r.get("state.rocksdb.memory",
        v -> size(v, MIN_ROCKSDB_MEMORY, Long.MAX_VALUE));
    String httpHost = r.get("http.host", ConfigLoader::nonBlank);
    Integer httpPort = r.get("http.port", ConfigLoader::port);
    Duration flushInterval = r.get("metrics.flush-interval", ConfigLoader::positiveDuration);
    TailstreamConfig.Temporality temporality = r.get("metrics.temporality",
        v -> enumValue(TailstreamConfig.Temporality.class, v));
    Integer maxSeries = r.get("metrics.max-series", ConfigLoader::positiveInt);
    Integer maxExemplars = r.get("metrics.max-exemplars", ConfigLoader::nonNegativeInt);
    List<TailstreamConfig.Dimension> dimensions =
        r.get("metrics.dimensions", ConfigLoader::dimensions);
    List<Duration> buckets = r.get("metrics.duration-buckets", ConfigLoader::buckets);
    if (wait != null && maxAge != null && maxAge.compareTo(wait) < 0) {
      problems.add("decision.max-trace-age was '" + DurationParser.format(maxAge)
          + "' but it must be at least decision.wait ('" + DurationParser.format(wait) + "')");
    }
    for (String key : List.of(TailstreamConfig.Kafka.PRODUCER_PREFIX + "max.request.size",
        "max.request.size")) {
      String value = properties.get(key);
      if (value != null && !isWholeNumberAtLeast(value, MIN_MAX_REQUEST_SIZE)) {
        problems.add(KAFKA_PROPERTIES + "." + key + " was '" + value
            + "' but it must be a whole number of at least " + MIN_MAX_REQUEST_SIZE);
      }
    }
    if (spans != null && spans.equals(sampled)) {
      problems.add("topics.sampled must differ from topics.spans ('" + spans + "')");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return new TailstreamConfig(
        applicationId,
        new TailstreamConfig.Kafka(bootstrap, properties),
        new TailstreamConfig.Input(encoding, partitioned),
        new TailstreamConfig.Topics(spans, sampled, decisions, metrics, deadLetter),
        new TailstreamConfig.Decision(wait, rootGrace, maxAge, lateWindow, decisionThreads),
        new TailstreamConfig.Limits(maxSpans, maxTraceBytes),
        new TailstreamConfig.Rules(Path.of(rulesFile),
            candidateFile.isEmpty() ? null : Path.of(candidateFile), reloadInterval, maxKeys,
            hashKey.isEmpty() ? null : hashKey),
        guarantee,
        new TailstreamConfig.State(Path.of(stateDir), rocksDbMemory),
        new TailstreamConfig.Http(httpHost, httpPort),
        new TailstreamConfig.Metrics(flushInterval, temporality, maxSeries, maxExemplars,
            dimensions, buckets));
  }

  /** Reads one key, converting it and recording a problem instead of throwing. */
  private static final class Reader {
    private final Map<String, String> values;
    private final List<String> problems;

    Reader(Map<String, String> values, List<String> problems) {
      this.values = values;
      this.problems = problems;
    }

    <T> T get(String key, Function<String, T> parser) {
      String raw = values.getOrDefault(key, DEFAULTS.get(key));
      try {
        return parser.apply(raw);
      } catch (IllegalArgumentException e) {
        problems.add(key + " was '" + raw + "' but it " + e.getMessage());
        return null;
      }
    }
  }

  private static String nonBlank(String v) {
    if (v.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return v.trim();
  }

  private static String topic(String v) {
    if (!TOPIC_NAME.matcher(v).matches() || v.equals(".") || v.equals("..")) {
      throw new IllegalArgumentException(
          "must be a Kafka topic name: 1 to 249 of the characters a-z A-Z 0-9 . _ -");
    }
    return v;
  }

  private static Boolean bool(String v) {
    if (v.equalsIgnoreCase("true")) {
      return Boolean.TRUE;
    } else if (v.equalsIgnoreCase("false")) {
      return Boolean.FALSE;
    }
    throw new IllegalArgumentException("must be true or false");
  }

  private static Duration positiveDuration(String v) {
    Duration d;
    try {
      d = DurationParser.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "must be a duration such as 500ms, 10s, 5m or 1h", e);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return d;
  }

  private static Integer positiveInt(String v) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number", e);
    }
    if (n <= 0) {
      throw new IllegalArgumentException("must be positive");
    }
    return n;
  }

  private static Integer nonNegativeInt(String v) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number", e);
    }
    if (n < 0) {
      throw new IllegalArgumentException("must not be negative");
    }
    return n;
  }

  /** {@code name} or {@code name=default}, comma-separated; names are attribute keys. */
  private static List<TailstreamConfig.Dimension> dimensions(String v) {
    List<TailstreamConfig.Dimension> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String item : v.split(",")) {
      String trimmed = item.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      String name = (eq < 0 ? trimmed : trimmed.substring(0, eq)).trim();
      String fallback = eq < 0 ? null : trimmed.substring(eq + 1).trim();
      if (!ATTRIBUTE_KEY.matcher(name).matches()) {
        throw new IllegalArgumentException("must list attribute keys as name or name=default,"
            + " separated by commas; '" + trimmed + "' is not one");
      }
      if (TailstreamConfig.Dimension.BUILT_IN.contains(name) || !seen.add(name)) {
        throw new IllegalArgumentException("names '" + name + "' twice or as a built-in"
            + " dimension (" + String.join(", ", TailstreamConfig.Dimension.BUILT_IN) + ")");
      }
      out.add(new TailstreamConfig.Dimension(name, fallback));
    }
    return out;
  }

  /** Ascending positive durations, comma-separated. */
  private static List<Duration> buckets(String v) {
    List<Duration> out = new ArrayList<>();
    for (String item : v.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      Duration d = positiveDuration(item.trim());
      if (!out.isEmpty() && d.compareTo(out.get(out.size() - 1)) <= 0) {
        throw new IllegalArgumentException("must be ascending; '" + item.trim()
            + "' follows '" + DurationParser.format(out.get(out.size() - 1)) + "'");
      }
      out.add(d);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("must list at least one duration, such as 10ms,100ms,1s");
    }
    return out;
  }

  private static Long size(String v, long min, long max) {
    long n;
    try {
      n = ByteSizeParser.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "must be a size such as 1048576, 512KiB, 64MB or 1GiB", e);
    }
    if (n < min) {
      throw new IllegalArgumentException("must be at least " + ByteSizeParser.format(min));
    }
    if (n > max) {
      throw new IllegalArgumentException("must be at most " + ByteSizeParser.format(max));
    }
    return n;
  }

  private static boolean isWholeNumberAtLeast(String v, int min) {
    try {
      return Integer.parseInt(v.trim()) >= min;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Integer port(String v) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a port number from 0 to 65535", e);
    }
    if (n < 0 || n > 65535) {
      throw new IllegalArgumentException("must be a port number from 0 to 65535");
    }
    return n;
  }

  private static ProcessingGuarantee guarantee(String v) {
    for (ProcessingGuarantee g : ProcessingGuarantee.values()) {
      if (g.streamsValue().equals(v)) {
        return g;
      }
    }
    throw new IllegalArgumentException("must be exactly_once_v2 or at_least_once");
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String v) {
    StringBuilder allowed = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      String name = e.name().toLowerCase(Locale.ROOT);
      if (name.equals(v)) {
        return e;
      }
      allowed.append(allowed.length() == 0 ? "" : " or ").append(name);
    }
    throw new IllegalArgumentException("must be " + allowed);
  }
}
