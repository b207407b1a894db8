package io.tailstream.bench.jmh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailstream.bench.workload.BenchRules;
import io.tailstream.bench.workload.OtlpRecords;
import io.tailstream.bench.workload.SyntheticTrace;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.TraceDecider;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.CompletionReason;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import io.tailstream.serdes.otlp.SpanRewriter;
import io.tailstream.serdes.otlp.TraceFragment;
import io.tailstream.serdes.otlp.TraceIds;
import io.tailstream.serdes.otlp.TraceSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Deciding and emitting one complete trace, without the stores:
 *
 * <ul>
 *   <li>{@code concatenateAndMarkKept}: the kept trace's output, built from its buffered fragments
 *       (payloads concatenated, as the assembly processor reads them) and marked with {@code
 *       SpanRewriter.markKept}, once for a rule that keeps outright and once for a probabilistic
 *       rule (trace state {@code th} and {@code sampling.probability} on every span);
 *   <li>{@code decide10Rules}: {@code TraceDecider.decide} with the realistic 10-rule set (parse,
 *       view, rules, for kept traces redaction and marking, the decision record) plus the
 *       decision record's Avro encoding, as the processor does for every trace;
 *   <li>{@code decideKeepAll}: the same with a rule set that keeps every trace, so every trace
 *       pays for the output.
 * </ul>
 *
 * Each trace arrives as 3 to 4 fragments of its spans, as the ingest step would cut them. Scores
 * are <b>traces per second</b> on one thread; multiply by {@code spans} for spans per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TraceEmitBenchmark {
  @Param({"5", "50", "500"})
  public int spans;

  /** {@code sample: 0.05}: the rejection threshold (1 - 0.05) * 2^56 as a trace-state value. */
  private static final String THRESHOLD_5_PERCENT = "f3333333333333";

  private List<List<TraceFragment>> fragments;
  private byte[][] concatenated;
  private String[] traceIds;
  private TraceDecider tenRules;
  private TraceDecider keepAll;
  private int next;

  @Setup
  public void setUp() {
    int pool = Integer.highestOneBit(Math.max(32, Math.min(1024, 16_384 / spans)));
    List<SyntheticTrace> traces = Fixtures.traces(spans, pool);
    fragments = new ArrayList<>(pool);
    concatenated = new byte[pool][];
    traceIds = new String[pool];
    for (int i = 0; i < pool; i++) {
      List<SyntheticTrace.EmittedSpan> all = traces.get(i).spans();
      int parts = Math.min(all.size(), 3 + (i & 1));
      List<TraceFragment> trace = new ArrayList<>(parts);
      for (int p = 0; p < parts; p++) {
        List<SyntheticTrace.EmittedSpan> part =
            all.subList(p * all.size() / parts, (p + 1) * all.size() / parts);
        trace.add(TraceSplitter.split(OtlpRecords.tracesData(part).toByteArray()).get(0));
      }
      fragments.add(trace);
      concatenated[i] = Fixtures.concatenate(trace);
      traceIds[i] = TraceIds.toHex(traces.get(i).traceId());
    }
    SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
    tenRules = new TraceDecider(new ActiveRules(BenchRules.parse(10)), metrics);
    keepAll = new TraceDecider(
        new ActiveRules(BenchRules.parseYaml(BenchRules.KEEP_ALL, "keep-all.yaml")), metrics);
  }

  private int advance() {
    int i = next;
    next = (next + 1) & (concatenated.length - 1);
    return i;
  }

  @Benchmark
  public byte[] concatenateAndMarkKept() {
    return SpanRewriter.markKept(Fixtures.concatenate(fragments.get(advance())), "errors", null);
  }

  @Benchmark
  public byte[] concatenateAndMarkKeptSampled() {
    return SpanRewriter.markKept(Fixtures.concatenate(fragments.get(advance())), "default",
        THRESHOLD_5_PERCENT, 0.05);
  }

  @Benchmark
  public void decide10Rules(Blackhole bh) {
    int i = advance();
    TraceDecider.DecidedTrace decided =
        tenRules.decide(traceIds[i], concatenated[i], CompletionReason.ROOT, 1_767_600_000_000L);
    bh.consume(decided.keptTrace());
    bh.consume(TraceDecisionCodec.encode(decided.record()));
  }

  @Benchmark
  public void decideKeepAll(Blackhole bh) {
    int i = advance();
    TraceDecider.DecidedTrace decided =
        keepAll.decide(traceIds[i], concatenated[i], CompletionReason.ROOT, 1_767_600_000_000L);
    bh.consume(decided.keptTrace());
    bh.consume(TraceDecisionCodec.encode(decided.record()));
  }
}
