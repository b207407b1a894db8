package io.tailstream.topology;

import io.tailstream.assembly.AssemblyStores;
import io.tailstream.assembly.TraceAssemblyProcessor;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.BudgetShare;
import io.tailstream.decision.DecisionWorkers;
import io.tailstream.decision.TraceDecider;
import io.tailstream.emit.Emitted;
import io.tailstream.emit.SampledRecordSplitter;
import io.tailstream.ingest.Ingested;
import io.tailstream.ingest.SpanIngestProcessor;
import io.tailstream.metrics.SamplerMetrics;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The tail-sampling topology:
 *
 * <pre>
 * spans ──► span-ingest ──┬─► dead letters ───────────────────────────────► topics.dead-letter
 *                         └─► fragments ─► [repartition by trace ID] ─► trace-assembly
 *                                                                         │
 *                                                                   sampled-record-split
 *                                                                         ├─► kept traces ─► topics.sampled
 *                                                                         ├─► decisions ───► topics.decisions
 *                                                                         └─► oversized spans ► topics.dead-letter
 * </pre>
 *
 * The repartition step is skipped when {@code input.partitioned-by-trace-id} is true. The split
 * step writes a kept trace larger than the producer's {@code max.request.size} as several records
 * (see {@link SampledRecordSplitter}).
 */
public final class TailSamplingTopology implements Supplier<Topology> {
  public static final String SOURCE = "spans-source";
  public static final String INGEST = "span-ingest";
  public static final String INGEST_BRANCH_PREFIX = "ingest-";
  public static final String DEAD_LETTER_BRANCH = "dead-letters";
  public static final String FRAGMENT_BRANCH = "fragments";
  public static final String REPARTITION = "trace-fragments-by-trace-id";
  public static final String ASSEMBLY = "trace-assembly";
  public static final String SAMPLED_SPLIT = "sampled-record-split";
  public static final String EMIT_BRANCH_PREFIX = "emit-";
  public static final String SAMPLED_BRANCH = "sampled";
  public static final String DECISION_BRANCH = "decisions";
  public static final String OVERSIZED_BRANCH = "oversized-spans";
  public static final String DEAD_LETTER_SINK = "dead-letter-sink";
  public static final String SAMPLED_SINK = "sampled-sink";
  public static final String DECISIONS_SINK = "decisions-sink";
  public static final String OVERSIZED_SINK = "oversized-span-sink";

  private final TailstreamConfig config;
  private final ActiveRules rules;
  private final SamplerMetrics metrics;
  private final BudgetShare budgetShare;
  private final DecisionWorkers workers;

  /**
   * @param budgetShare told as assembly tasks start and stop here, so that rate limits are shared
   *     between instances
   * @param workers the decision helper threads; the caller closes them after Kafka Streams
   */
  public TailSamplingTopology(TailstreamConfig config, ActiveRules rules, SamplerMetrics metrics,
      BudgetShare budgetShare, DecisionWorkers workers) {
    this.config = config;
    this.rules = rules;
    this.metrics = metrics;
    this.budgetShare = budgetShare;
    this.workers = workers;
  }

  /**
   * A topology that is the only instance, which enforces whole rate budgets, and decides on its
   * stream threads; for tests.
   */
  public TailSamplingTopology(TailstreamConfig config, ActiveRules rules, SamplerMetrics metrics) {
    this(config, rules, metrics, new BudgetShare(0), DecisionWorkers.inline());
  }

  @Override
  public Topology get() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(AssemblyStores.keyValue(AssemblyStores.FRAGMENTS));
    builder.addStateStore(AssemblyStores.keyValue(AssemblyStores.STATE));
    builder.addStateStore(AssemblyStores.keyValue(AssemblyStores.DEADLINES));
    builder.addStateStore(AssemblyStores.decisionCache(config.decision().lateSpanWindow()));

    KStream<byte[], byte[]> spans = builder.stream(config.topics().spans(),
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE));

    Map<String, KStream<Bytes, Ingested>> ingested = spans
        .process(() -> new SpanIngestProcessor(config.input().encoding(), metrics),
            Named.as(INGEST))
        .split(Named.as(INGEST_BRANCH_PREFIX))
        .branch((key, value) -> value instanceof Ingested.DeadLetter,
            Branched.as(DEAD_LETTER_BRANCH))
        .defaultBranch(Branched.as(FRAGMENT_BRANCH));

    ingested.get(INGEST_BRANCH_PREFIX + DEAD_LETTER_BRANCH)
        .mapValues(value -> ((Ingested.DeadLetter) value).original(),
            Named.as("dead-letter-values"))
        .to(config.topics().deadLetter(),
            Produced.with(Serdes.Bytes(), Serdes.ByteArray()).withName(DEAD_LETTER_SINK));

    KStream<Bytes, byte[]> fragments = ingested.get(INGEST_BRANCH_PREFIX + FRAGMENT_BRANCH)
        .mapValues(value -> ((Ingested.Fragment) value).encoded(), Named.as("fragment-values"));
    if (!config.input().partitionedByTraceId()) {
      fragments = fragments.repartition(Repartitioned.with(Serdes.Bytes(), Serdes.ByteArray())
          .withName(REPARTITION));
    }

    TraceDecider decider = new TraceDecider(rules, metrics,
        TraceDecider.maxClockSkew(config.decision()));
    int maxRequestSize = config.kafka().maxRequestSize();
    Map<String, KStream<String, Emitted>> emitted = fragments
        .process(() -> new TraceAssemblyProcessor(config, decider, metrics, budgetShare,
                workers),
            Named.as(ASSEMBLY), AssemblyStores.FRAGMENTS, AssemblyStores.STATE,
            AssemblyStores.DEADLINES, AssemblyStores.DECISIONS)
        .process(() -> new SampledRecordSplitter(maxRequestSize, config.topics().sampled(),
            metrics), Named.as(SAMPLED_SPLIT))
        .split(Named.as(EMIT_BRANCH_PREFIX))
        .branch((key, value) -> value.isSampled(), Branched.as(SAMPLED_BRANCH))
        .branch((key, value) -> value.isDeadLetter(), Branched.as(OVERSIZED_BRANCH))
        .defaultBranch(Branched.as(DECISION_BRANCH));

    emitted.get(EMIT_BRANCH_PREFIX + SAMPLED_BRANCH)
        .mapValues(Emitted::value, Named.as("sampled-values"))
        .to(config.topics().sampled(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName(SAMPLED_SINK));
    emitted.get(EMIT_BRANCH_PREFIX + OVERSIZED_BRANCH)
        .mapValues(Emitted::value, Named.as("oversized-span-values"))
        .to(config.topics().deadLetter(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName(OVERSIZED_SINK));
    emitted.get(EMIT_BRANCH_PREFIX + DECISION_BRANCH)
        .mapValues(Emitted::value, Named.as("decision-values"))
        .to(config.topics().decisions(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName(DECISIONS_SINK));

    return builder.build();
  }
}
