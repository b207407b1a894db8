package io.tailstream.bench.jmh;

import io.tailstream.bench.workload.ExportSchedule;
import io.tailstream.bench.workload.RecordLayout;
import io.tailstream.bench.workload.SyntheticTrace;
import io.tailstream.bench.workload.TraceClass;
import io.tailstream.bench.workload.TraceGenerator;
import io.tailstream.serdes.otlp.TraceFragment;
import io.tailstream.serdes.otlp.TraceSplitter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Inputs of the JMH benchmarks, all from the benchmarks' seeded workload. */
final class Fixtures {
  static final long SEED = 42;

  private Fixtures() {}

  /** The first input record of the {@link RecordLayout#MIXED} layout with exactly {@code spans}. */
  static byte[] mixedRecord(int spans) {
    ExportSchedule schedule = new ExportSchedule(new TraceGenerator(SEED), Long.MAX_VALUE);
    RecordLayout.Batcher batcher = new RecordLayout.Batcher(RecordLayout.MIXED, 1, spans);
    while (true) {
      for (RecordLayout.InputRecord r : batcher.records(schedule.next())) {
        if (r.spans() == spans) {
          return r.value();
        }
      }
    }
  }

  /** {@code count} traces of exactly {@code spans} spans, with the workload's mix of classes. */
  static List<SyntheticTrace> traces(int spans, int count) {
    TraceGenerator generator = new TraceGenerator(SEED);
    Random random = new Random(SEED);
    List<SyntheticTrace> out = new ArrayList<>(count);
    long start = ExportSchedule.EPOCH.getEpochSecond() * 1_000_000_000L;
    for (int i = 0; i < count; i++) {
      out.add(generator.next(pick(random), spans, start + i * 1_000_000L));
    }
    return out;
  }

  private static TraceClass pick(Random random) {
    double r = random.nextDouble();
    for (TraceClass c : TraceClass.values()) {
      if (r < c.share()) {
        return c;
      }
      r -= c.share();
    }
    return TraceClass.NORMAL;
  }

  /**
   * The fragments of {@code count} whole traces as the ingest step makes them from {@link
   * RecordLayout#MIXED} input: one fragment per trace per input record, in arrival order.
   */
  static List<List<TraceFragment>> fragmentedTraces(int count) {
    ExportSchedule schedule = new ExportSchedule(new TraceGenerator(SEED), Long.MAX_VALUE);
    RecordLayout.Batcher batcher = RecordLayout.MIXED.batcher(4);
    Map<ByteBuffer, List<TraceFragment>> open = new LinkedHashMap<>();
    Map<ByteBuffer, Integer> quietBatches = new HashMap<>();
    List<List<TraceFragment>> done = new ArrayList<>(count);
    while (done.size() < count) {
      Set<ByteBuffer> seen = new HashSet<>();
      for (RecordLayout.InputRecord r : batcher.records(schedule.next())) {
        for (TraceFragment f : TraceSplitter.split(r.value())) {
          ByteBuffer id = ByteBuffer.wrap(f.traceId());
          open.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
          seen.add(id);
        }
      }
      // A trace's exports span at most three batches, so one quiet for five is whole.
      for (Iterator<Map.Entry<ByteBuffer, List<TraceFragment>>> it = open.entrySet().iterator();
          it.hasNext() && done.size() < count; ) {
        Map.Entry<ByteBuffer, List<TraceFragment>> e = it.next();
        if (seen.contains(e.getKey())) {
          quietBatches.put(e.getKey(), 0);
        } else if (quietBatches.merge(e.getKey(), 1, Integer::sum) >= 5) {
          done.add(e.getValue());
          quietBatches.remove(e.getKey());
          it.remove();
        }
      }
    }
    return done;
  }

  /** The payloads of {@code fragments} concatenated, as the assembly processor reads them. */
  static byte[] concatenate(List<TraceFragment> fragments) {
    int total = 0;
    for (TraceFragment f : fragments) {
      total += f.tracesData().length;
    }
    ByteBuffer out = ByteBuffer.allocate(total);
    for (TraceFragment f : fragments) {
      out.put(f.tracesData());
    }
    return out.array();
  }
}
