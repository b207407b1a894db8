package io.tailstream.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration in force, as {@code key = value} lines for the start-up log, with every
 * secret masked: {@code rules.hash-key}, and each Kafka property whose name says it holds a
 * password, secret, key, token, credential or JAAS configuration.
 */
public final class EffectiveConfig {
  static final String MASK = "****";
  private static final String[] SECRET_WORDS =
      {"password", "secret", "jaas", "token", "credential", "key"};

  private EffectiveConfig() {}

  /** Every key with its value in force, secrets masked, in documentation order. */
  public static Map<String, String> of(TailstreamConfig c) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("application-id", c.applicationId());
    out.put("kafka.bootstrap-servers", c.kafka().bootstrapServers());
    new TreeMap<>(c.kafka().properties()).forEach((k, v) ->
        out.put("kafka.properties." + k, isSecret(k) ? MASK : v));
    out.put("input.encoding", c.input().encoding().name().toLowerCase(Locale.ROOT));
    out.put("input.partitioned-by-trace-id", String.valueOf(c.input().partitionedByTraceId()));
    out.put("topics.spans", c.topics().spans());
    out.put("topics.sampled", c.topics().sampled());
    out.put("topics.decisions", c.topics().decisions());
    out.put("topics.metrics", c.topics().metrics());
    out.put("topics.dead-letter", c.topics().deadLetter());
    out.put("decision.wait", DurationParser.format(c.decision().idleTimeout()));
    out.put("decision.root-grace", DurationParser.format(c.decision().rootGrace()));
    out.put("decision.max-trace-age", DurationParser.format(c.decision().maxTraceAge()));
    out.put("decision.late-span-window", DurationParser.format(c.decision().lateSpanWindow()));
    out.put("decision.threads", String.valueOf(c.decision().threads()));
    out.put("limits.max-spans-per-trace", String.valueOf(c.limits().maxSpansPerTrace()));
    out.put("limits.max-trace-bytes", String.valueOf(c.limits().maxTraceBytes()));
    out.put("rules.file", String.valueOf(c.rules().file()));
    out.put("rules.candidate-file",
        c.rules().candidateFile() == null ? "" : c.rules().candidateFile().toString());
    out.put("rules.reload-interval", DurationParser.format(c.rules().reloadInterval()));
    out.put("rules.max-keys-per-rule", String.valueOf(c.rules().maxKeysPerRule()));
    out.put("rules.hash-key", c.rules().hashKey() == null ? "" : MASK);
    out.put("processing-guarantee", c.processingGuarantee().streamsValue());
    out.put("state.dir", String.valueOf(c.state().dir()));
    out.put("state.rocksdb.memory", String.valueOf(c.state().rocksDbMemoryBytes()));
    out.put("http.host", c.http().host());
    out.put("http.port", String.valueOf(c.http().port()));
    TailstreamConfig.Metrics m = c.metrics();
    out.put("metrics.flush-interval", DurationParser.format(m.flushInterval()));
    out.put("metrics.temporality", m.temporality().name().toLowerCase(Locale.ROOT));
    out.put("metrics.max-series", String.valueOf(m.maxSeries()));
    out.put("metrics.max-exemplars", String.valueOf(m.maxExemplars()));
    List<String> dimensions = new ArrayList<>();
    m.dimensions().forEach(d ->
        dimensions.add(d.defaultValue() == null ? d.name() : d.name() + "=" + d.defaultValue()));
    out.put("metrics.dimensions", String.join(",", dimensions));
    List<String> buckets = new ArrayList<>();
    m.durationBuckets().forEach(b -> buckets.add(DurationParser.format(b)));
    out.put("metrics.duration-buckets", String.join(",", buckets));
    return out;
  }

  /** The same as {@link #of}, one {@code key = value} per line. */
  public static String describe(TailstreamConfig c) {
    StringBuilder b = new StringBuilder();
    of(c).forEach((k, v) -> b.append("\n  ").append(k).append(" = ").append(v));
    return b.toString();
  }

  /** Whether a Kafka property's name marks its value as a secret. */
  static boolean isSecret(String property) {
    String name = property.toLowerCase(Locale.ROOT);
    for (String word : SECRET_WORDS) {
      if (name.contains(word)) {
        return true;
      }
    }
    return false;
  }
}
