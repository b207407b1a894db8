package io.tailstream.bench.jmh;

import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.bench.workload.BenchRules;
import io.tailstream.bench.workload.OtlpRecords;
import io.tailstream.bench.workload.SyntheticTrace;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.Decision;
import io.tailstream.rules.OtlpTraceView;
import io.tailstream.rules.WireTraceView;
import io.tailstream.rules.RuleSet;
import java.util.List;
import java.util.Locale;
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

/**
 * Rule evaluation: {@code RuleSet.evaluate} on a fresh {@code OtlpTraceView} of a parsed trace
 * ({@link #evaluate}), and on a {@code WireTraceView} read from its bytes, as the decider calls it
 * ({@link #evaluateWire}).
 * The view converts span attributes lazily, so a new view per trace keeps that cost in.
 *
 * <p>Rule sets of 1, 10 and 50 rules ({@link BenchRules}); the 10- and 50-rule sets are checked to
 * let at least 75% of the traces fall through to their last rule. Traces of 5, 50 and 500 spans
 * with the workload's mix of classes, cycled from a pool. Scores are <b>traces per second</b> on
 * one thread, that is per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2) // CEL's interpreter needs longer than the codecs to compile
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RuleEvaluationBenchmark {
  @Param({"1", "10", "50"})
  public int rules;

  @Param({"5", "50", "500"})
  public int spans;

  private RuleSet ruleSet;
  private TracesData[] traces;
  private byte[][] encoded;
  private int next;

  @Setup
  public void setUp() {
    // About 16k spans per pool, a power of two between 32 and 1024 traces.
    int pool = Integer.highestOneBit(Math.max(32, Math.min(1024, 16_384 / spans)));
    List<SyntheticTrace> generated = Fixtures.traces(spans, pool);
    traces = new TracesData[pool];
    for (int i = 0; i < pool; i++) {
      traces[i] = OtlpRecords.tracesData(generated.get(i).spans());
    }
    encoded = new byte[pool][];
    for (int i = 0; i < pool; i++) {
      encoded[i] = traces[i].toByteArray();
    }
    ruleSet = BenchRules.parse(rules);
    if (rules > 1) {
      RuleSet check = BenchRules.parse(rules);
      int fallThrough = 0;
      for (TracesData t : traces) {
        if ("default".equals(check.evaluate(OtlpTraceView.of(t, CompletionReason.ROOT)).rule())) {
          fallThrough++;
        }
      }
      double share = fallThrough / (double) pool;
      System.out.printf(Locale.ROOT, "%n%d of %d traces (%.0f%%) fall through to the last rule%n",
          fallThrough, pool, 100 * share);
      if (share < 0.75) {
        throw new IllegalStateException("the rule set is not realistic: only " + fallThrough
            + " of " + pool + " traces reach its last rule");
      }
    }
  }

  @Benchmark
  public Decision evaluate() {
    TracesData trace = traces[next];
    next = (next + 1) & (traces.length - 1);
    return ruleSet.evaluate(OtlpTraceView.of(trace, CompletionReason.ROOT));
  }

  /**
   * As the sampler decides: a {@link WireTraceView} read from the trace's bytes (its cost
   * included), attributes looked up where they lie.
   */
  @Benchmark
  public Decision evaluateWire() {
    byte[] trace = encoded[next];
    next = (next + 1) & (encoded.length - 1);
    return ruleSet.evaluate(WireTraceView.of(trace, CompletionReason.ROOT));
  }
}
