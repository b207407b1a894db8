package io.tailstream.bench.jmh;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.bench.workload.OtlpRecords;
import io.tailstream.bench.workload.SyntheticTrace;
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

/**
 * The decision's parse of a whole buffered trace into {@code TracesData}, the largest single cost
 * of deciding in the end-to-end profile: {@code copy} is {@code TracesData.parseFrom(byte[])},
 * which copies every bytes field (trace, span and parent IDs); {@code alias} is what {@code
 * TraceDecider} does, a {@code CodedInputStream} with aliasing, whose bytes fields are views of
 * the array. Scores are <b>traces per second</b> on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TraceParseBenchmark {
  @Param({"5", "50", "500"})
  public int spans;

  private byte[][] encoded;
  private int next;

  @Setup
  public void setUp() {
    int pool = Integer.highestOneBit(Math.max(32, Math.min(1024, 16_384 / spans)));
    List<SyntheticTrace> traces = Fixtures.traces(spans, pool);
    encoded = new byte[pool][];
    for (int i = 0; i < pool; i++) {
      encoded[i] = OtlpRecords.tracesData(traces.get(i).spans()).toByteArray();
    }
  }

  private byte[] nextTrace() {
    byte[] t = encoded[next];
    next = (next + 1) & (encoded.length - 1);
    return t;
  }

  @Benchmark
  public TracesData copy() throws InvalidProtocolBufferException {
    return TracesData.parseFrom(nextTrace());
  }

  @Benchmark
  public TracesData alias() throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(nextTrace());
    in.enableAliasing(true);
    return TracesData.parser().parseFrom(in);
  }
}
