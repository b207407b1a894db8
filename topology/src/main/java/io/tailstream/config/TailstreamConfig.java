package io.tailstream.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The validated configuration of one sampler instance. Build it with {@link ConfigLoader}, which
 * reads the YAML file, applies {@code TAILSTREAM_*} environment overrides and reports every
 * problem at once.
 *
 * @param applicationId the Kafka Streams {@code application.id}; instances with the same id share
 *     the work
 * @param kafka broker addresses and pass-through client properties
 * @param input how input records are encoded and partitioned
 * @param topics topic names
 * @param decision when a trace counts as complete
 * @param limits per-trace limits
 * @param rules where the sampling rules live
 * @param processingGuarantee {@code exactly_once_v2} (default) or {@code at_least_once}
 * @param state where the local state stores live
 * @param http the HTTP endpoint for metrics and probes
 */
public record TailstreamConfig(
    String applicationId,
    Kafka kafka,
    Input input,
    Topics topics,
    Decision decision,
    Limits limits,
    Rules rules,
    ProcessingGuarantee processingGuarantee,
    State state,
    Http http,
    Metrics metrics) {

  public TailstreamConfig {
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(rules, "rules");
    Objects.requireNonNull(processingGuarantee, "processingGuarantee");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(metrics, "metrics");
  }

  /** Broker addresses, plus properties passed unchanged to Kafka Streams and its clients. */
  public record Kafka(String bootstrapServers, Map<String, String> properties) {
    /** The producer's own default {@code max.request.size}, in bytes. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
    /** The Kafka Streams prefix that sends a property to the producers only. */
    static final String PRODUCER_PREFIX = "producer.";

    public Kafka {
      properties = Map.copyOf(properties);
    }

    /**
     * The {@code max.request.size} the sampler's producers use, in bytes: {@code
     * producer.max.request.size} if set, else {@code max.request.size}, else the producer's
     * default of 1,048,576. {@link ConfigLoader} has checked that a set value is a whole number.
     */
    public int maxRequestSize() {
      String value = properties.get(PRODUCER_PREFIX + ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
      if (value == null) {
        value = properties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
      }
      return value == null ? DEFAULT_MAX_REQUEST_SIZE : Integer.parseInt(value.trim());
    }
  }

  /** How the input topic is encoded and whether it is already partitioned by trace ID. */
  public record Input(InputEncoding encoding, boolean partitionedByTraceId) {}

  /** Topic names. */
  public record Topics(
      String spans, String sampled, String decisions, String metrics, String deadLetter) {}

  /**
   * Completion timing. A trace is decided at the earliest of: {@code idleTimeout} ({@code
   * decision.wait}) after its last span,
   * {@code rootGrace} after its root span, {@code maxTraceAge} after its first span. Decisions are
   * remembered for {@code lateSpanWindow} so that late spans follow them. {@code threads}
   * ({@code decision.threads}) helper threads evaluate decisions alongside the stream threads; 0
   * evaluates them on the stream threads.
   */
  public record Decision(Duration idleTimeout, Duration rootGrace, Duration maxTraceAge,
      Duration lateSpanWindow, int threads) {}

  /**
   * Per-trace limits. A trace that exceeds either is decided at once, with the completion reason
   * {@code span_limit}; its later spans follow that decision as late spans.
   *
   * @param maxSpansPerTrace {@code limits.max-spans-per-trace}
   * @param maxTraceBytes {@code limits.max-trace-bytes}: buffered OTLP bytes of one trace
   */
  public record Limits(int maxSpansPerTrace, long maxTraceBytes) {}

  /**
   * The sampling rules.
   *
   * @param file the rules file, hot-reloaded when it changes
   * @param candidateFile a dry-run rules file evaluated beside {@code file} without affecting
   *     output; null for none
   * @param reloadInterval how often both files are checked for changes
   * @param maxKeysPerRule keys one {@code limit} or {@code adaptive} rule tracks before the
   *     overflow bucket
   * @param hashKey the secret for {@code hash} redactions; null when not configured. Never logged.
   */
  public record Rules(Path file, Path candidateFile, Duration reloadInterval, int maxKeysPerRule,
      String hashKey) {
    public Rules {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(reloadInterval, "reloadInterval");
    }

    /** Only the rules file, with the defaults for everything else. */
    public Rules(Path file) {
      this(file, null, Duration.ofSeconds(2), 10_000, null);
    }

    @Override
    public String toString() {
      return "Rules[file=" + file + ", candidateFile=" + candidateFile + ", reloadInterval="
          + reloadInterval + ", maxKeysPerRule=" + maxKeysPerRule + ", hashKey="
          + (hashKey == null ? "none" : "****") + "]";
    }
  }

  /**
   * Local state.
   *
   * @param dir where RocksDB state lives
   * @param rocksDbMemoryBytes {@code state.rocksdb.memory}: the one block cache, in bytes, that
   *     every RocksDB store of the process shares, memtables included
   */
  public record State(Path dir, long rocksDbMemoryBytes) {}

  /** Where the HTTP endpoint listens; port 0 picks a free port. */
  public record Http(String host, int port) {}

  /**
   * Metrics computed from every trace: span metrics, trace metrics and service-graph edges.
   *
   * @param flushInterval how often they are written to {@code topics.metrics} as OTLP
   * @param temporality cumulative or delta sums and histograms on the metrics topic ({@code
   *     /metrics} is always cumulative, as Prometheus expects)
   * @param maxSeries per metric family, the number of distinct attribute sets kept; further ones
   *     fold into one series with {@code otel.metric.overflow=true}
   * @param maxExemplars exemplars per data point, drawn from kept traces only; 0 for none
   * @param dimensions extra span-metric dimensions, in order
   * @param durationBuckets explicit histogram bucket bounds, ascending
   */
  public record Metrics(Duration flushInterval, Temporality temporality, int maxSeries,
      int maxExemplars, List<Dimension> dimensions,
      List<Duration> durationBuckets) {
    public Metrics {
      Objects.requireNonNull(flushInterval, "flushInterval");
      Objects.requireNonNull(temporality, "temporality");
      dimensions = List.copyOf(dimensions);
      durationBuckets = List.copyOf(durationBuckets);
    }
  }

  /**
   * An extra span-metric dimension, read from the span's attributes, then its resource's.
   *
   * @param name the attribute key, also the dimension's name
   * @param defaultValue the value when neither has the attribute; null to leave the dimension out
   *     of such spans' series, as the OpenTelemetry Collector's {@code spanmetrics} connector does
   */
  public record Dimension(String name, String defaultValue) {
    /** The span-metric dimensions every series has; extra dimensions may not reuse them. */
    public static final List<String> BUILT_IN =
        List.of("service.name", "span.name", "span.kind", "status.code");

    public Dimension {
      Objects.requireNonNull(name, "name");
    }
  }

  /** Aggregation temporality of the sums and histograms written to {@code topics.metrics}. */
  public enum Temporality {
    CUMULATIVE,
    DELTA
  }

  /** Encoding of input records. */
  public enum InputEncoding {
    OTLP_PROTO,
    OTLP_JSON
  }

  /** Kafka Streams processing guarantee. */
  public enum ProcessingGuarantee {
    EXACTLY_ONCE_V2("exactly_once_v2"),
    AT_LEAST_ONCE("at_least_once");

    private final String streamsValue;

    ProcessingGuarantee(String streamsValue) {
      this.streamsValue = streamsValue;
    }

    /** The value of Kafka Streams' {@code processing.guarantee}. */
    public String streamsValue() {
      return streamsValue;
    }
  }
}
