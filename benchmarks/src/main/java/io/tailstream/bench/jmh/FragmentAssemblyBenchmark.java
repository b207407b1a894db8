package io.tailstream.bench.jmh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailstream.assembly.AssemblyStores;
import io.tailstream.assembly.Fragments;
import io.tailstream.assembly.TraceAssemblyProcessor;
import io.tailstream.bench.workload.BenchRules;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.BudgetShare;
import io.tailstream.decision.DecisionWorkers;
import io.tailstream.decision.TraceDecider;
import io.tailstream.emit.Emitted;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleSet;
import io.tailstream.serdes.otlp.TraceFragment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fragment store's write and read paths, through the real {@code TraceAssemblyProcessor} on
 * real RocksDB stores (its four stores, built as {@code AssemblyStores} builds them but without
 * changelogging, which {@code MockProcessorContext} cannot do). The store layout classes ({@code
 * BufferedFragment}, {@code StoreKeys}, {@code TraceBufferState}) are package-private, so they are
 * measured here as the processor uses them.
 *
 * <p>One operation is one whole trace (about 50 spans in 5 to 6 fragments on average, cut from
 * {@code MIXED} input records as the ingest step cuts them), buffered fragment by fragment: trace
 * state read and written, fragments appended under {@code (traceId, seq)}, the time index updated.
 * The mock wall clock advances 1 ms per trace (1,000 traces/s) and the wall-clock punctuation runs
 * every 100 ms of it, as with {@code decision.root-grace: 500ms}: it scans the time index and
 * decides the due traces, reading and deleting their fragments, deciding them and remembering the
 * decision. So about 500 traces are buffered at any time, as in a running sampler.
 *
 * <p>{@code rules}: {@code drop-all} isolates the stores (the decision still parses the trace and
 * builds its record), {@code 10-rules} is the realistic set, {@code keep-all} emits every trace.
 * Scores are <b>traces per second</b> on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FragmentAssemblyBenchmark {
  @Param({"drop-all", "10-rules", "keep-all"})
  public String rules;

  private static final int POOL = 1024;
  private static final long PUNCTUATION_INTERVAL_MS = 100;
  private static final long START_MS = 1_767_600_000_000L;

  private byte[][][] traces;
  private Path stateDir;
  private final List<StateStore> stores = new ArrayList<>();
  private MockProcessorContext<String, Emitted> context;
  private TraceAssemblyProcessor processor;
  private Punctuator punctuator;
  private long clockMs;
  private long nextPunctuationMs;
  private long traceNumber;

  @Setup
  public void setUp() throws IOException {
    List<List<TraceFragment>> fragmented = Fixtures.fragmentedTraces(POOL);
    traces = new byte[POOL][][];
    long spans = 0;
    long fragments = 0;
    for (int i = 0; i < POOL; i++) {
      List<TraceFragment> trace = fragmented.get(i);
      traces[i] = new byte[trace.size()][];
      for (int f = 0; f < trace.size(); f++) {
        traces[i][f] = Fragments.encode(trace.get(f));
        spans += trace.get(f).spanCount();
      }
      fragments += trace.size();
    }
    System.out.printf(Locale.ROOT, "%n%d traces: %.1f spans and %.1f fragments per trace%n", POOL,
        spans / (double) POOL, fragments / (double) POOL);

    stateDir = Files.createTempDirectory("tailstream-jmh-assembly");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh-assembly");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"); // never contacted
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // Only silences a start-up warning of StreamsConfig; there is no global thread here.
    props.put("processing.exception.handler.global.enabled", "true");
    context = new MockProcessorContext<>(props, new TaskId(0, 0), stateDir.toFile());
    for (String name : List.of(AssemblyStores.FRAGMENTS, AssemblyStores.STATE,
        AssemblyStores.DEADLINES)) {
      KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(
              Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
          .withLoggingDisabled()
          .build();
      register(store);
    }
    TailstreamConfig config = ConfigLoader.fromMap(Map.of(
        "decision.wait", "1s",
        "decision.root-grace", "500ms",
        "decision.late-span-window", "5m"));
    WindowStore<Bytes, byte[]> decisions = Stores.windowStoreBuilder(
            Stores.persistentWindowStore(AssemblyStores.DECISIONS,
                config.decision().lateSpanWindow(), Duration.ofMillis(1), false),
            Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingDisabled()
        .build();
    register(decisions);

    SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
    TraceDecider decider = new TraceDecider(new ActiveRules(ruleSet()), metrics);
    clockMs = START_MS;
    nextPunctuationMs = START_MS + PUNCTUATION_INTERVAL_MS;
    context.setCurrentSystemTimeMs(clockMs);
    processor = new TraceAssemblyProcessor(config, decider, metrics, new BudgetShare(0),
        DecisionWorkers.inline());
    processor.init(context);
    punctuator = context.scheduledPunctuators().get(0).getPunctuator();
  }

  private RuleSet ruleSet() {
    switch (rules) {
      case "drop-all":
        return BenchRules.parseYaml(BenchRules.DROP_ALL, "drop-all.yaml");
      case "keep-all":
        return BenchRules.parseYaml(BenchRules.KEEP_ALL, "keep-all.yaml");
      case "10-rules":
        return BenchRules.parse(10);
      default:
        throw new IllegalArgumentException("unknown rules '" + rules + "'");
    }
  }

  private void register(StateStore store) {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    stores.add(store);
  }

  @TearDown
  public void tearDown() throws IOException {
    processor.close();
    for (StateStore store : stores) {
      store.close();
    }
    try (Stream<Path> files = Files.walk(stateDir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public void bufferAndDecide() {
    byte[][] fragments = traces[(int) (traceNumber % POOL)];
    // A fresh trace ID every time: a repeated one would follow its cached decision instead.
    Bytes traceId = Bytes.wrap(ByteBuffer.allocate(16).put((byte) 1).putLong(8, traceNumber++)
        .array());
    clockMs++;
    context.setCurrentSystemTimeMs(clockMs);
    for (byte[] fragment : fragments) {
      processor.process(new Record<>(traceId, fragment, clockMs));
    }
    if (clockMs >= nextPunctuationMs) {
      punctuator.punctuate(clockMs);
      nextPunctuationMs += PUNCTUATION_INTERVAL_MS;
      context.resetForwards();
    }
  }
}
