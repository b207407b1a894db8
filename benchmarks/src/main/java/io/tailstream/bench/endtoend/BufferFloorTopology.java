package io.tailstream.bench.endtoend;

import io.tailstream.assembly.AssemblyStores;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The floor of the design: only what any sampler that keeps DESIGN.md's durability contract must
 * do with every input byte, and nothing else. Each record is written unchanged to a persistent,
 * changelogged store (the sampler's store builder and RocksDB settings), and read back and
 * deleted {@code decision.wait} later by a wall-clock punctuation. Nothing is parsed, split,
 * indexed in a store, decided or written out, so this drains faster than any sampler can: the
 * sampler's throughput over this one is how close it comes to its design's limit, and this one's
 * over the pass-through is the most that design can reach.
 *
 * <p>With {@code repartition}, records first go through a repartition topic unchanged (keyed by a
 * counter where they have no key), as the sampler's fragments do before assembly.
 */
final class BufferFloorTopology implements Supplier<Topology> {
  static final String STORE = "floor-buffer";

  private final String input;
  private final boolean repartition;
  private final int partitions;
  private final Duration wait;
  private final Duration punctuation;
  private final AtomicLong read;
  private final Progress drained;

  /**
   * @param wait how long each record stays in the store
   * @param punctuation how often the store is scanned for records due
   * @param read counts records written to the store
   * @param drained the distinct records read back and deleted
   */
  BufferFloorTopology(String input, boolean repartition, int partitions, Duration wait,
      Duration punctuation, AtomicLong read, Progress drained) {
    this.input = input;
    this.repartition = repartition;
    this.partitions = partitions;
    this.wait = wait;
    this.punctuation = punctuation;
    this.read = read;
    this.drained = drained;
  }

  @Override
  public Topology get() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(AssemblyStores.keyValue(STORE));
    KStream<byte[], byte[]> stream = builder.stream(input,
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor-source"));
    if (repartition) {
      // Kafka Streams drops null-keyed records at a repartition topic: number them instead.
      AtomicLong keys = new AtomicLong();
      stream = stream
          .selectKey((key, value) -> longBytes(keys.getAndIncrement()), Named.as("floor-key"))
          .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray())
              .withName("floor-repartition").withNumberOfPartitions(partitions));
    }
    stream.process(() -> new Buffer(wait.toMillis(), punctuation, read, drained),
        Named.as("floor-buffer"), STORE);
    return builder.build();
  }

  private static byte[] longBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  /** Buffers every record for {@code waitMs} in the store; the queue of keys is on the heap. */
  private static final class Buffer implements Processor<byte[], byte[], Void, Void> {
    /** A buffered record, stored under its offset, and when it is due. */
    private record Pending(int partition, long offset, long dueMs) {
      Bytes key() {
        return Bytes.wrap(longBytes(offset));
      }
    }

    private final long waitMs;
    private final Duration punctuation;
    private final AtomicLong read;
    private final Progress drained;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private KeyValueStore<Bytes, byte[]> store;
    private ProcessorContext<Void, Void> context;

    Buffer(long waitMs, Duration punctuation, AtomicLong read, Progress drained) {
      this.waitMs = waitMs;
      this.punctuation = punctuation;
      this.read = read;
      this.drained = drained;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
      context.schedule(punctuation, PunctuationType.WALL_CLOCK_TIME, this::drainDue);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      RecordMetadata meta = context.recordMetadata().orElseThrow();
      Pending buffered = new Pending(meta.partition(), meta.offset(),
          context.currentSystemTimeMs() + waitMs);
      store.put(buffered.key(), record.value());
      pending.add(buffered);
      read.incrementAndGet();
    }

    private void drainDue(long now) {
      while (!pending.isEmpty() && pending.peek().dueMs() <= now) {
        Pending due = pending.poll();
        Bytes key = due.key();
        if (store.get(key) == null) {
          throw new IllegalStateException("buffered record missing from the store");
        }
        store.put(key, null); // as the sampler deletes: no read of the old value
        drained.finished(due.partition(), due.offset());
      }
    }
  }
}
