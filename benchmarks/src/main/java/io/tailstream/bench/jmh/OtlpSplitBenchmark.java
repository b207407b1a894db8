package io.tailstream.bench.jmh;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.assembly.Fragments;
import io.tailstream.serdes.otlp.TraceFragment;
import io.tailstream.serdes.otlp.TraceSplitter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ingest step's decode and split: one OTLP input record, validated and cut into one fragment
 * per trace at the protobuf wire level. Records hold spans of many traces from several services,
 * as a Collector sends them. Scores are <b>spans per second</b> on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class OtlpSplitBenchmark {
  private byte[] record64;
  private byte[] record512;

  @Setup
  public void setUp() {
    record64 = Fixtures.mixedRecord(64);
    record512 = Fixtures.mixedRecord(512);
  }

  @Benchmark
  @OperationsPerInvocation(64)
  public List<TraceFragment> split64Spans() {
    return TraceSplitter.split(record64);
  }

  @Benchmark
  @OperationsPerInvocation(512)
  public List<TraceFragment> split512Spans() {
    return TraceSplitter.split(record512);
  }

  /** The whole ingest step per record: split, then encode each fragment for the store. */
  @Benchmark
  @OperationsPerInvocation(512)
  public void splitAndEncode512Spans(Blackhole bh) {
    for (TraceFragment f : TraceSplitter.split(record512)) {
      bh.consume(Fragments.encode(f));
    }
  }

  /** Reference point: a full protobuf-java parse of the same record, which builds every object. */
  @Benchmark
  @OperationsPerInvocation(512)
  public TracesData parse512SpansWithProtobufJava() throws InvalidProtocolBufferException {
    return TracesData.parseFrom(record512);
  }
}
