package io.tailstream.app;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.state.BoundedMemoryRocksDbConfig;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

/** Translates a {@link TailstreamConfig} into Kafka Streams properties. */
public final class StreamsSettings {
  /** The Kafka Streams producer's {@code batch.size}, unless {@code kafka.properties} sets it. */
  static final int PRODUCER_BATCH_BYTES = 256 * 1024;
  /**
   * {@code commit.interval.ms} under exactly-once when the input is partitioned by trace ID,
   * unless {@code kafka.properties} sets it.
   */
  static final int EXACTLY_ONCE_COMMIT_INTERVAL_MS = 1_000;

  private StreamsSettings() {}

  /**
   * Kafka Streams properties for the sampler. {@code kafka.properties} are applied last, so a user
   * can override any of the defaults set here.
   */
  public static Properties of(TailstreamConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee().streamsValue());
    if (config.processingGuarantee() == TailstreamConfig.ProcessingGuarantee.EXACTLY_ONCE_V2
        && config.input().partitionedByTraceId()) {
      // Kafka Streams commits every 100 ms under exactly-once: a transaction, with its markers on
      // every changelog and output partition written, ten times a second. A trace waits seconds
      // for its decision anyway; committing once a second makes the sampler about a fifth faster
      // (docs/benchmarks.md), and its output reaches read_committed consumers up to a second later.
      // Not with the repartition step: a span crosses the repartition topic only when the
      // transaction that wrote it commits, and the assembly stretches its timers by that delay.
      p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, EXACTLY_ONCE_COMMIT_INTERVAL_MS);
    }
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.state().dir().toAbsolutePath().toString());
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    // A record that fails in processing (a bug, not bad input: bad input is dead-lettered by the
    // ingest step) goes to the dead-letter topic with Kafka's KIP-1034 headers instead of
    // stopping every partition of the instance.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueProcessingExceptionHandler.class);
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
        config.topics().deadLetter());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Every store shares one block cache, memtables included, of state.rocksdb.memory bytes.
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class);
    p.put(BoundedMemoryRocksDbConfig.MEMORY_BYTES_CONFIG, config.state().rocksDbMemoryBytes());
    // Repartition and changelog records are OTLP protobuf, which lz4 shrinks about 2 to 3 times
    // for little CPU; the broker then writes and replicates less.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // A fragment of a few dozen spans is larger than the producer's default 16 KiB batch, so
    // every changelog and repartition record became a batch of its own, each allocating lz4's
    // 128 KiB of buffers. Batches of up to 256 KiB hold a commit interval's records per partition.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
    p.putAll(config.kafka().properties());
    return p;
  }
}
