package io.tailstream.bench.endtoend;

import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * The baseline: reads every input record and writes it unchanged (key, value and headers) to
 * another topic. Run with the sampler's own Kafka Streams settings, it is the most a Kafka
 * Streams application can move on this broker and machine.
 */
final class PassThroughTopology implements Supplier<Topology> {
  static final String SOURCE = "pass-through-source";
  static final String COUNT = "pass-through-count";
  static final String SINK = "pass-through-sink";

  private final String input;
  private final String output;
  private final Progress written;

  /**
   * @param written the distinct records handed to the producer
   */
  PassThroughTopology(String input, String output, Progress written) {
    this.input = input;
    this.output = output;
    this.written = written;
  }

  @Override
  public Topology get() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE))
        .processValues(Count::new, Named.as(COUNT))
        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SINK));
    return builder.build();
  }

  /** Forwards each record unchanged (the sink sends it), then counts it as written. */
  private final class Count implements FixedKeyProcessor<byte[], byte[], byte[]> {
    private FixedKeyProcessorContext<byte[], byte[]> context;

    @Override
    public void init(FixedKeyProcessorContext<byte[], byte[]> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
      context.forward(record);
      context.recordMetadata().ifPresent(m -> written.finished(m.partition(), m.offset()));
    }
  }
}
