package io.tailstream.bench.endtoend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.tailstream.app.SamplerApp;
import io.tailstream.app.StreamsSettings;
import io.tailstream.assembly.TraceAssemblyProcessor;
import io.tailstream.bench.workload.BenchRules;
import io.tailstream.bench.workload.ExportSchedule;
import io.tailstream.bench.workload.RecordLayout;
import io.tailstream.bench.workload.TraceGenerator;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.DurationParser;
import io.tailstream.config.TailstreamConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end load benchmark. It starts a single-node broker in this JVM, writes one seeded
 * workload (by default 2,000,000 spans in traces of 5 to 200 spans) to two input topics, one keyed
 * and partitioned by trace ID and one with records of many traces spread round-robin, and then,
 * each with a fresh application ID:
 *
 * <ol>
 *   <li>{@code passthrough-by-trace}: a Kafka Streams app that copies the first topic to another
 *       topic unchanged, with the Kafka Streams settings of the sampler on the same input
 *       ({@code exactly_once_v2}, commit interval, threads): the I/O limit;
 *   <li>{@code floor-by-trace}: the floor of the design ({@link BufferFloorTopology}): every
 *       record written to a persistent, changelogged store and read back and deleted {@code
 *       decision.wait} later, nothing else;
 *   <li>{@code sampler-partitioned}: the sampler on the first topic with {@code
 *       input.partitioned-by-trace-id=true};
 *   <li>{@code passthrough-mixed}, {@code floor-mixed} and {@code sampler-repartition}: the same
 *       on the second topic, the floor and the sampler with a repartition step;
 *   <li>{@code latency-partitioned} and {@code latency-repartition}: the sampler fed at a fixed
 *       share (50%) of its measured drain rate, for the decision delay;
 *   <li>{@code heap}: the sampler buffering 1,000,000 spans with a 10-minute {@code
 *       decision.wait}, heap measured after a full GC as the buffer grows.
 * </ol>
 *
 * It prints a Markdown report and writes it to {@code --out} (JSON if the name ends in {@code
 * .json}). Launch it with {@code bin/tailstream-bench}; see docs/benchmarks.md.
 */
@Command(name = "tailstream-bench", sortOptions = false,
    description = "End-to-end load benchmark of the sampler against a pass-through Kafka Streams"
        + " app, on an embedded broker.")
public final class EndToEndBench implements Callable<Integer> {
  private static final List<String> DRAIN_RUNS = List.of("passthrough-by-trace",
      "floor-by-trace", "sampler-partitioned", "passthrough-mixed", "floor-mixed",
      "sampler-repartition");
  private static final List<String> LATENCY_RUNS =
      List.of("latency-partitioned", "latency-repartition");
  /** Every run, in the order they run. */
  private static final Set<String> RUNS = new LinkedHashSet<>(DRAIN_RUNS);

  static {
    RUNS.addAll(LATENCY_RUNS);
    RUNS.add("heap");
  }

  private static final Map<String, List<String>> GROUPS = Map.of(
      "drain", DRAIN_RUNS,
      "latency", LATENCY_RUNS,
      "all", List.copyOf(RUNS));
  private static final String TOPIC_BY_TRACE = "bench-spans-by-trace";
  private static final String TOPIC_MIXED = "bench-spans-mixed";
  private static final String WARMUP_BY_TRACE = "bench-warmup-by-trace";
  private static final String WARMUP_MIXED = "bench-warmup-mixed";
  private static final Duration POLL = Duration.ofMillis(50);

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = "--spans", defaultValue = "2000000", paramLabel = "N",
      description = "Spans in the pre-loaded workload (default: ${DEFAULT-VALUE}).")
  long spans;

  @Option(names = "--warmup-spans", defaultValue = "2000000", paramLabel = "N",
      description = "Spans of the warm-up workload (another seed) that every drain run's"
          + " application drains, unmeasured, before the first measured run, so that JIT"
          + " compilation is not measured; 0 for none (default: ${DEFAULT-VALUE}).")
  long warmupSpans;

  @Option(names = "--warmup-rounds", defaultValue = "1", paramLabel = "N",
      description = "How many times every drain run's application drains the warm-up workload,"
          + " all of them before the first measured run (default: ${DEFAULT-VALUE}).")
  int warmupRounds;

  @Option(names = "--runs", split = ",", defaultValue = "all", paramLabel = "RUN",
      description = "Runs, in this order whatever the order given: passthrough-by-trace,"
          + " floor-by-trace, sampler-partitioned, passthrough-mixed, floor-mixed,"
          + " sampler-repartition, latency-partitioned,"
          + " latency-repartition, heap; or the groups drain, latency, all"
          + " (default: ${DEFAULT-VALUE}).")
  List<String> runs;

  @Option(names = "--partitions", defaultValue = "4",
      description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--stream-threads", defaultValue = "1",
      description = "num.stream.threads of the sampler and the pass-through"
          + " (default: ${DEFAULT-VALUE}).")
  int streamThreads;

  @Option(names = "--rocksdb-memory", defaultValue = "512MiB",
      description = "state.rocksdb.memory of the sampler: enough for a drain run's trace buffer"
          + " to live and die in memtables (default: ${DEFAULT-VALUE}).")
  String rocksDbMemory;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "A Tailstream config key for the sampler runs, for experiments; repeatable."
          + " Recorded in the report.")
  Map<String, String> samplerOverrides = new LinkedHashMap<>();

  @Option(names = "--seed", defaultValue = "42",
      description = "Workload seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--rules", paramLabel = "FILE",
      description = "Rules file of the sampler (default: the benchmarks' realistic 10 rules).")
  Path rulesFile;

  @Option(names = "--wait", defaultValue = "1s",
      description = "decision.wait of the drain runs (default: ${DEFAULT-VALUE}).")
  String drainWait;

  @Option(names = "--root-grace", defaultValue = "500ms",
      description = "decision.root-grace of the drain runs (default: ${DEFAULT-VALUE}).")
  String drainRootGrace;

  @Option(names = "--latency-load", defaultValue = "0.5",
      description = "Offered load of the latency runs as a share of the drain rate the sampler"
          + " reached in this invocation (default: ${DEFAULT-VALUE}).")
  double latencyLoad;

  @Option(names = "--latency-rate", paramLabel = "SPANS_PER_SECOND",
      description = "Offered load of the latency runs in spans/s; overrides --latency-load.")
  Double latencyRate;

  @Option(names = "--latency-seconds", defaultValue = "60",
      description = "How long load is offered in a latency run (default: ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(names = "--latency-wait", defaultValue = "5s",
      description = "decision.wait of the latency runs (default: ${DEFAULT-VALUE}).")
  String latencyWait;

  @Option(names = "--latency-root-grace", defaultValue = "2s",
      description = "decision.root-grace of the latency runs (default: ${DEFAULT-VALUE}).")
  String latencyRootGrace;

  @Option(names = "--heap-spans", defaultValue = "1000000",
      description = "Spans buffered by the heap run (default: ${DEFAULT-VALUE}).")
  long heapSpans;

  @Option(names = "--heap-wait", defaultValue = "10m",
      description = "decision.wait and root-grace of the heap run (default: ${DEFAULT-VALUE}).")
  String heapWait;

  @Option(names = "--run-timeout", defaultValue = "1800",
      description = "Seconds a run may take before it is reported incomplete"
          + " (default: ${DEFAULT-VALUE}).")
  int runTimeoutSeconds;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Also write the report here: JSON if the name ends in .json, else Markdown.")
  Path out;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where state directories go (default: a new temporary directory, deleted at"
          + " the end).")
  Path workDir;

  private BenchCluster cluster;
  private Path rules;
  private InputLoader.Loaded loaded;
  private InputLoader.Loaded warmup;
  private final String nonce = Long.toString(System.currentTimeMillis(), 36);

  public static void main(String[] args) {
    System.exit(new CommandLine(new EndToEndBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<String> selected = selectedRuns();
    boolean ownWorkDir = workDir == null;
    Path dir = ownWorkDir ? Files.createTempDirectory("tailstream-bench") : workDir;
    Files.createDirectories(dir);
    workDir = dir;
    rules = workDir.resolve("rules.yaml");
    if (rulesFile != null) {
      Files.copy(rulesFile, rules, StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.writeString(rules, BenchRules.yaml(10));
    }
    String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<Results.Drain> drains = new ArrayList<>();
    List<Results.Latency> latencies = new ArrayList<>();
    Results.Heap heap = null;
    Results.Workload workload = null;
    try (BenchCluster started = BenchCluster.start()) {
      cluster = started;
      say("Broker at %s; work dir %s", cluster.bootstrapServers(), workDir);
      boolean needsInput = selected.stream().anyMatch(r -> !r.equals("heap"));
      if (needsInput) {
        workload = preload();
      }
      warmUp(selected);
      Map<String, Results.Drain> byRun = new HashMap<>();
      for (String run : selected) {
        switch (run) {
          case "passthrough-by-trace", "floor-by-trace", "sampler-partitioned",
              "passthrough-mixed", "floor-mixed", "sampler-repartition" ->
              record(drains, byRun, drain(run, run, false));
          case "latency-partitioned" -> latency(run, TOPIC_BY_TRACE, true,
              byRun.get("sampler-partitioned")).ifPresent(latencies::add);
          case "latency-repartition" -> latency(run, TOPIC_MIXED, false,
              byRun.get("sampler-repartition")).ifPresent(latencies::add);
          case "heap" -> heap = heap();
          default -> throw new IllegalStateException("unknown run " + run);
        }
      }
    } finally {
      if (ownWorkDir) {
        deleteRecursively(workDir);
      }
    }
    Results.Report report = new Results.Report(startedAt, Results.Machine.describe(),
        new Results.Settings(spans, partitions, streamThreads, seed,
            rulesFile == null ? "the benchmarks' 10 rules" : rulesFile.toString(),
            "exactly_once_v2", drainWait, drainRootGrace, latencyWait, latencyRootGrace,
            latencySeconds, latencyLoad, heapWait, heapSpans, warmup == null ? 0 : warmupSpans,
            warmupRounds,
            rocksDbMemory, samplerOverrides),
        workload, drains, Results.ratios(drains), latencies, heap);
    String markdown = Results.markdown(report);
    System.out.println();
    System.out.print(markdown);
    if (out != null) {
      Results.write(report, out);
      say("Report written to %s", out);
    }
    boolean complete = drains.stream().allMatch(Results.Drain::complete);
    return complete ? 0 : 1;
  }

  private List<String> selectedRuns() {
    Set<String> wanted = new LinkedHashSet<>();
    for (String r : runs) {
      String name = r.trim().toLowerCase(Locale.ROOT);
      if (GROUPS.containsKey(name)) {
        wanted.addAll(GROUPS.get(name));
      } else if (RUNS.contains(name)) {
        wanted.add(name);
      } else {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown run '" + r
            + "'; runs are " + RUNS + " and the groups " + GROUPS.keySet());
      }
    }
    List<String> ordered = new ArrayList<>(RUNS);
    ordered.retainAll(wanted);
    return ordered;
  }

  /**
   * Drains the warm-up workload, unmeasured, with every selected drain run's application, {@code
   * --warmup-rounds} times, before any measured run: the JVM compiles the code of all of them,
   * the broker's included, before the first measurement, whatever the order of the runs.
   */
  private void warmUp(List<String> selected) throws Exception {
    if (warmup == null) {
      return;
    }
    for (int round = 1; round <= warmupRounds; round++) {
      for (String run : selected) {
        if (!DRAIN_RUNS.contains(run)) {
          continue; // latency and heap runs have no warm-up of their own
        }
        Results.Drain d = drain(run, run + "-warmup" + (warmupRounds > 1 ? "-" + round : ""),
            true);
        if (!d.complete()) {
          throw new IllegalStateException("the warm-up run " + d.run() + " did not complete");
        }
      }
    }
  }

  /**
   * Runs the drain run {@code run} as {@code name}, on the warm-up workload or the measured one.
   */
  private Results.Drain drain(String run, String name, boolean warm) throws Exception {
    InputLoader.Loaded workload = warm ? warmup : loaded;
    String byTrace = warm ? WARMUP_BY_TRACE : TOPIC_BY_TRACE;
    String mixed = warm ? WARMUP_MIXED : TOPIC_MIXED;
    return switch (run) {
      case "passthrough-by-trace" ->
          drainPassThrough(name, byTrace, workload, RecordLayout.BY_TRACE);
      case "floor-by-trace" -> drainFloor(name, byTrace, workload, RecordLayout.BY_TRACE);
      case "sampler-partitioned" ->
          drainSampler(name, byTrace, workload, RecordLayout.BY_TRACE, true);
      case "passthrough-mixed" -> drainPassThrough(name, mixed, workload, RecordLayout.MIXED);
      case "floor-mixed" -> drainFloor(name, mixed, workload, RecordLayout.MIXED);
      case "sampler-repartition" ->
          drainSampler(name, mixed, workload, RecordLayout.MIXED, false);
      default -> throw new IllegalArgumentException("not a drain run: " + run);
    };
  }

  private static void record(List<Results.Drain> drains, Map<String, Results.Drain> byRun,
      Results.Drain d) {
    drains.add(d);
    byRun.put(d.run(), d);
  }

  private Results.Workload preload() throws Exception {
    loaded = load(seed, spans, TOPIC_BY_TRACE, TOPIC_MIXED);
    if (warmupSpans > 0) {
      warmup = load(seed + 1, warmupSpans, WARMUP_BY_TRACE, WARMUP_MIXED);
    }
    Map<String, Long> byClass = new LinkedHashMap<>();
    loaded.tracesByClass().forEach((c, n) -> byClass.put(c.name().toLowerCase(Locale.ROOT), n));
    say("Loaded %,d traces, %,d spans in %.1f s", loaded.traces(), loaded.spans(),
        loaded.seconds());
    return new Results.Workload(loaded.traces(), loaded.spans(), loaded.rootlessTraces(),
        byClass, loaded.records().get(RecordLayout.BY_TRACE),
        loaded.records().get(RecordLayout.MIXED),
        loaded.bytes().get(RecordLayout.MIXED) / (double) loaded.spans(), loaded.seconds());
  }

  private InputLoader.Loaded load(long workloadSeed, long count, String byTrace, String mixed)
      throws Exception {
    cluster.createTopics(partitions, byTrace, mixed);
    say("Writing %,d spans (seed %d) to %s and %s...", count, workloadSeed, byTrace, mixed);
    InputLoader loader = new InputLoader(cluster.bootstrapServers(),
        InputLoader.PRELOAD_RECORD_AGE);
    try {
      Map<RecordLayout, String> topics = new EnumMap<>(RecordLayout.class);
      topics.put(RecordLayout.BY_TRACE, byTrace);
      topics.put(RecordLayout.MIXED, mixed);
      return loader.load(workloadSeed, count, partitions, topics);
    } finally {
      loader.close();
    }
  }

  private TailstreamConfig samplerConfig(String run, String appId, String input,
      boolean partitioned, String wait, String rootGrace, String maxAge) {
    Map<String, String> m = new HashMap<>();
    m.put("application-id", appId);
    m.put("kafka.bootstrap-servers", cluster.bootstrapServers());
    m.put("input.partitioned-by-trace-id", Boolean.toString(partitioned));
    m.put("topics.spans", input);
    m.put("topics.sampled", run + "-sampled");
    m.put("topics.decisions", run + "-decisions");
    m.put("topics.dead-letter", run + "-dlq");
    m.put("topics.metrics", run + "-metrics");
    m.put("decision.wait", wait);
    m.put("decision.root-grace", rootGrace);
    m.put("decision.max-trace-age", maxAge);
    m.put("rules.file", rules.toString());
    m.put("state.dir", workDir.resolve("state-" + run).toString());
    m.put("http.host", "127.0.0.1");
    m.put("http.port", "0");
    m.put("kafka.properties." + StreamsConfig.NUM_STREAM_THREADS_CONFIG,
        Integer.toString(streamThreads));
    m.put("state.rocksdb.memory", rocksDbMemory);
    m.putAll(samplerOverrides);
    return ConfigLoader.fromMap(m);
  }

  private void createOutputTopics(String run) throws Exception {
    cluster.createTopics(partitions, run + "-sampled", run + "-decisions", run + "-dlq",
        run + "-metrics");
  }

  private Results.Drain drainSampler(String run, String input, InputLoader.Loaded workload,
      RecordLayout layout, boolean partitioned) throws Exception {
    String appId = "bench-" + run + "-" + nonce;
    createOutputTopics(run);
    TailstreamConfig config = samplerConfig(run, appId, input, partitioned, drainWait,
        drainRootGrace, "5m");
    say("[%s] sampler on %s, partitioned-by-trace-id=%s...", run, input, partitioned);
    MemoryProbe probe = MemoryProbe.start();
    MemoryProbe.Usage usage;
    long start;
    long ingested = -1;
    long end;
    boolean complete;
    double decided;
    double kept;
    double deadLettered;
    try (SamplerApp app = SamplerApp.start(config)) {
      MeterRegistry r = app.metrics().registry();
      // No wait for RUNNING first: with several stream threads a follow-up rebalance can keep
      // the state from RUNNING while records are already processed, and start would be late.
      start = awaitStart(() -> sum(r, "tailstream.spans.received") > 0, app.streams());
      probe.markStart();
      long deadline = start + TimeUnit.SECONDS.toNanos(runTimeoutSeconds);
      long nextProgress = start + TimeUnit.SECONDS.toNanos(5);
      while (true) {
        long now = System.nanoTime();
        double received = sum(r, "tailstream.spans.received");
        decided = sum(r, "tailstream.traces.decided");
        if (ingested < 0 && received >= workload.spans()) {
          ingested = now;
        }
        complete = received >= workload.spans() && decided >= workload.traces();
        if (complete || now > deadline || app.streams().state() == KafkaStreams.State.ERROR) {
          end = now;
          break;
        }
        if (now > nextProgress) {
          say("[%s] %,.0f of %,d spans read, %,.0f of %,d traces decided", run, received,
              workload.spans(), decided, workload.traces());
          nextProgress += TimeUnit.SECONDS.toNanos(5);
        }
        Thread.sleep(POLL.toMillis());
      }
      usage = probe.stop();
      kept = count(r, "tailstream.traces.decided", "decision", "keep");
      deadLettered = sum(r, "tailstream.records.dead_lettered");
    } finally {
      probe.close();
    }
    cleanUp(run, appId);
    double seconds = (end - start) / 1e9;
    Results.Drain d = new Results.Drain(run, "sampler", input, workload.spans(),
        workload.records().get(layout), workload.traces(), seconds, workload.spans() / seconds,
        ingested < 0 ? -1 : (ingested - start) / 1e9, (long) decided, (long) kept,
        (long) deadLettered, complete && deadLettered == 0, usage);
    say("[%s] %,.0f spans/s (%.1f s)%s", run, d.spansPerSecond(), seconds,
        d.complete() ? "" : " INCOMPLETE");
    return d;
  }

  private Results.Drain drainPassThrough(String run, String input, InputLoader.Loaded workload,
      RecordLayout layout) throws Exception {
    String output = run + "-out";
    cluster.createTopics(partitions, output);
    Progress written = new Progress();
    say("[%s] pass-through %s -> %s...", run, input, output);
    // Done when the last record has been handed to the producer, as the sampler is done when
    // its last trace is decided: waiting for the commit instead would add up to one commit
    // interval (1 s by trace ID) to a run of 3 to 4 s, depending on where the last tick falls.
    return drainBaseline(run, "pass-through", input, workload, layout,
        decision -> new PassThroughTopology(input, output, written).get(),
        () -> written.count() > 0, written, output);
  }

  private Results.Drain drainFloor(String run, String input, InputLoader.Loaded workload,
      RecordLayout layout) throws Exception {
    AtomicLong read = new AtomicLong();
    Progress drained = new Progress();
    say("[%s] buffer floor on %s...", run, input);
    return drainBaseline(run, "buffer floor", input, workload, layout,
        decision -> new BufferFloorTopology(input, layout != RecordLayout.BY_TRACE, partitions,
            decision.idleTimeout(), TraceAssemblyProcessor.punctuationInterval(decision), read,
            drained).get(),
        () -> read.get() > 0, drained);
  }

  /**
   * Drains the input with a baseline application, run with the Kafka Streams settings of the
   * sampler run on the same input, which depend on whether the sampler has the repartition step
   * (the commit interval).
   *
   * @param topology the application, given the sampler run's decision settings
   * @param started whether the application has read its first record
   * @param done the distinct records the application has finished with; the run ends when that
   *     is every input record
   * @param topics output topics to delete afterwards
   */
  private Results.Drain drainBaseline(String run, String app, String input,
      InputLoader.Loaded workload, RecordLayout layout,
      Function<TailstreamConfig.Decision, Topology> topology, BooleanSupplier started,
      Progress done, String... topics) throws Exception {
    String appId = "bench-" + run + "-" + nonce;
    TailstreamConfig config = samplerConfig(run, appId, input, layout == RecordLayout.BY_TRACE,
        drainWait, drainRootGrace, "5m");
    Properties props = StreamsSettings.of(config);
    MemoryProbe probe = MemoryProbe.start();
    MemoryProbe.Usage usage;
    long start;
    long finished;
    boolean complete;
    KafkaStreams streams = new KafkaStreams(topology.apply(config.decision()), props);
    try {
      streams.start();
      start = awaitStart(started, streams); // not awaitRunning: see above
      probe.markStart();
      long deadline = start + TimeUnit.SECONDS.toNanos(runTimeoutSeconds);
      while (true) {
        long now = System.nanoTime();
        complete = done.count() >= workload.records().get(layout);
        if (complete || now > deadline || streams.state() == KafkaStreams.State.ERROR) {
          finished = now;
          break;
        }
        Thread.sleep(POLL.toMillis());
      }
      usage = probe.stop();
    } finally {
      probe.close();
      closeAfterRebalance(run, streams);
    }
    cleanUp(run, appId, topics);
    double seconds = (finished - start) / 1e9;
    Results.Drain d = new Results.Drain(run, app, input, workload.spans(),
        workload.records().get(layout), -1, seconds, workload.spans() / seconds, -1, -1, -1, 0,
        complete, usage);
    say("[%s] %,.0f spans/s (%.1f s)%s", run, d.spansPerSecond(), seconds,
        d.complete() ? "" : " INCOMPLETE");
    return d;
  }

  private Optional<Results.Latency> latency(String run, String source,
      boolean partitioned, Results.Drain measured) throws Exception {
    double rate;
    if (latencyRate != null) {
      rate = latencyRate;
    } else if (measured != null && measured.complete()) {
      rate = latencyLoad * measured.spansPerSecond();
    } else {
      say("[%s] skipped: no drain rate measured in this invocation; give --latency-rate", run);
      return Optional.empty();
    }
    String appId = "bench-" + run + "-" + nonce;
    String input = run + "-spans";
    cluster.createTopics(partitions, input);
    createOutputTopics(run);
    TailstreamConfig config = samplerConfig(run, appId, input, partitioned, latencyWait,
        latencyRootGrace, "5m");
    say("[%s] offering %,.0f spans/s for %d s...", run, rate, latencySeconds);
    PacedCopier copier;
    long maxBacklog = 0;
    HistogramSnapshot snapshot;
    double decided;
    try (SamplerApp app = SamplerApp.start(config)) {
      MeterRegistry r = app.metrics().registry();
      awaitRunning(app.streams());
      copier = new PacedCopier(cluster.bootstrapServers(), source, input, rate,
          Duration.ofSeconds(latencySeconds));
      Thread copy = new Thread(copier, "bench-paced-copier");
      copy.start();
      while (copy.isAlive()) {
        maxBacklog = Math.max(maxBacklog,
            copier.sentSpans() - (long) sum(r, "tailstream.spans.received"));
        copy.join(100);
      }
      if (copier.failure() != null) {
        throw new IllegalStateException("the paced producer failed", copier.failure());
      }
      // Let the last traces complete: every span read, then no decision for wait + 1 s.
      long quiet = DurationParser.parse(latencyWait).toNanos() + TimeUnit.SECONDS.toNanos(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(runTimeoutSeconds);
      double last = -1;
      long lastChange = System.nanoTime();
      while (System.nanoTime() < deadline) {
        double now = sum(r, "tailstream.traces.decided");
        if (now != last) {
          last = now;
          lastChange = System.nanoTime();
        } else if (sum(r, "tailstream.spans.received") >= copier.sentSpans()
            && System.nanoTime() - lastChange > quiet) {
          break;
        }
        Thread.sleep(POLL.toMillis());
      }
      decided = sum(r, "tailstream.traces.decided");
      snapshot = r.get("tailstream.decision.delay").timer().takeSnapshot();
    }
    cleanUp(run, appId, input);
    double p50 = percentile(snapshot, 0.5);
    double p99 = percentile(snapshot, 0.99);
    double p99Target = DurationParser.parse(latencyWait).toMillis() + Results.TARGET_P99_SLACK_MS;
    Results.Latency l = new Results.Latency(run, source, latencyWait, latencyRootGrace, rate,
        copier.sentSpans() / copier.seconds(), copier.seconds(), copier.sentSpans(),
        (long) decided, p50, p99, snapshot.max(TimeUnit.MILLISECONDS), maxBacklog, p99Target);
    say("[%s] offered %,.0f spans/s: decision delay p50 %,.0f ms, p99 %,.0f ms, max backlog %,d"
        + " spans", run, l.offeredSpansPerSecond(), p50, p99, maxBacklog);
    return Optional.of(l);
  }

  private Results.Heap heap() throws Exception {
    String run = "heap";
    String appId = "bench-" + run + "-" + nonce;
    String input = run + "-spans";
    cluster.createTopics(partitions, input);
    createOutputTopics(run);
    TailstreamConfig config = samplerConfig(run, appId, input, true, heapWait, heapWait, "1d");
    Path stateDir = config.state().dir();
    List<Results.HeapPoint> points = new ArrayList<>();
    long baselineHeap;
    long baselineRss;
    InputLoader loader = new InputLoader(cluster.bootstrapServers(), Duration.ZERO);
    say("[heap] buffering %,d spans with decision.wait %s...", heapSpans, heapWait);
    try (SamplerApp app = SamplerApp.start(config)) {
      MeterRegistry r = app.metrics().registry();
      awaitRunning(app.streams());
      baselineHeap = MemoryProbe.heapAfterFullGc();
      baselineRss = MemoryProbe.rss();
      ExportSchedule schedule = new ExportSchedule(new TraceGenerator(seed), heapSpans);
      RecordLayout.Batcher batcher = RecordLayout.BY_TRACE.batcher(partitions);
      long sent = 0;
      for (int step = 1; step <= 4; step++) {
        sent += loader.produce(schedule, batcher, input, heapSpans * step / 4 - sent);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(runTimeoutSeconds);
        while (sum(r, "tailstream.spans.received") < sent && System.nanoTime() < deadline) {
          Thread.sleep(POLL.toMillis());
        }
        Thread.sleep(1_000); // let the commit and RocksDB's flushes settle
        long heapNow = MemoryProbe.heapAfterFullGc();
        Results.HeapPoint p = new Results.HeapPoint((long) sum(r, "tailstream.spans.received"),
            (long) sum(r, "tailstream.traces.decided"), heapNow, directorySize(stateDir),
            MemoryProbe.rss());
        points.add(p);
        say("[heap] %,d spans buffered: heap after GC %s, state dir %s", p.spansBuffered(),
            Results.mb(p.heapAfterGcBytes()), Results.mb(p.stateDirBytes()));
      }
    } finally {
      loader.close();
    }
    cleanUp(run, appId, input);
    return new Results.Heap(heapWait, baselineHeap, baselineRss, points);
  }

  private void cleanUp(String run, String appId, String... topics) throws IOException {
    List<String> names = new ArrayList<>(List.of(run + "-sampled", run + "-decisions",
        run + "-dlq", run + "-metrics"));
    names.addAll(List.of(topics));
    cluster.deleteTopics(appId + "-", names.toArray(new String[0]));
    deleteRecursively(workDir.resolve("state-" + run));
    System.gc(); // so that the next run's memory figures start from a clean heap
  }

  private static void awaitRunning(KafkaStreams streams) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR || System.nanoTime() > deadline) {
        throw new IllegalStateException("Kafka Streams did not reach RUNNING: "
            + streams.state());
      }
      Thread.sleep(20);
    }
  }

  /**
   * Closes a baseline application, first letting a rebalance in progress finish (untimed): with
   * several stream threads a drain can end during the follow-up rebalance, and a close then
   * outlasts any reasonable timeout.
   */
  private void closeAfterRebalance(String run, KafkaStreams streams) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (streams.state() == KafkaStreams.State.REBALANCING && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (streams.close(SamplerApp.CLOSE_TIMEOUT)) {
      streams.cleanUp();
    } else {
      say("[%s] did not close within %s; its state directory is deleted anyway", run,
          SamplerApp.CLOSE_TIMEOUT);
    }
  }

  /** Waits until work has started and returns when, in {@link System#nanoTime} terms. */
  private static long awaitStart(BooleanSupplier started, KafkaStreams streams)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!started.getAsBoolean()) {
      if (streams.state() == KafkaStreams.State.ERROR || System.nanoTime() > deadline) {
        throw new IllegalStateException("no record was processed: " + streams.state());
      }
      Thread.sleep(2);
    }
    return System.nanoTime();
  }

  private static double percentile(HistogramSnapshot snapshot, double p) {
    for (ValueAtPercentile v : snapshot.percentileValues()) {
      if (v.percentile() == p) {
        return v.value(TimeUnit.MILLISECONDS);
      }
    }
    return Double.NaN;
  }

  private static double sum(MeterRegistry r, String name) {
    return r.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static double count(MeterRegistry r, String name, String tag, String value) {
    return r.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static long directorySize(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void say(String format, Object... args) {
    System.err.println(String.format(Locale.ROOT, format, args));
  }
}
