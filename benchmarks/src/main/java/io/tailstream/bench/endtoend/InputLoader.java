package io.tailstream.bench.endtoend;

import io.tailstream.bench.workload.ExportSchedule;
import io.tailstream.bench.workload.RecordLayout;
import io.tailstream.bench.workload.SyntheticTrace.EmittedSpan;
import io.tailstream.bench.workload.TraceClass;
import io.tailstream.bench.workload.TraceGenerator;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes the seeded workload to the input topics, every record with a {@value #SPANS_HEADER}
 * header holding its span count (4 bytes, big-endian) so that a paced replay can count spans
 * without decoding. The sampler ignores input headers; the pass-through copies them.
 */
final class InputLoader {
  static final String SPANS_HEADER = "bench.spans";
  /**
   * How old the pre-loaded records claim to be. The sampler stretches its idle and root timers
   * by the input lag it sees (now minus the record timestamp, up to {@code
   * decision.max-trace-age}), so that traces stay whole while it catches up after an outage. A
   * pre-loaded input stamped at load time would look like such a backlog, and the drain runs
   * would measure that wait rather than the throughput; records older than any max-trace-age a
   * run uses read as a replay of old data instead, whose lag is not counted.
   */
  static final Duration PRELOAD_RECORD_AGE = Duration.ofHours(6);

  /**
   * What was written.
   *
   * @param records records per layout
   * @param bytes value bytes per layout
   */
  record Loaded(long traces, long spans, long rootlessTraces, Map<TraceClass, Long> tracesByClass,
      Map<RecordLayout, Long> records, Map<RecordLayout, Long> bytes, double seconds) {}

  private final Producer<byte[], byte[]> producer;
  private final Duration recordAge;
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  /**
   * @param recordAge how far before the send time to stamp the records; zero for the send time
   */
  InputLoader(String bootstrapServers, Duration recordAge) {
    this.producer = new KafkaProducer<>(producerProperties(bootstrapServers, 20),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.recordAge = recordAge;
  }

  /** Producer settings of a Collector-like exporter: acks=all, lz4, batching. */
  static Properties producerProperties(String bootstrapServers, int lingerMs) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    // One batch in flight per connection: writing to a topic just created, the first batch can
    // fail with NOT_LEADER_OR_FOLLOWER while later ones succeed, and the idempotent producer then
    // retries it forever with OUT_OF_ORDER_SEQUENCE_NUMBER (seen with Kafka 4.3.1).
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    return p;
  }

  /**
   * Generates {@code spans} spans from {@code seed} and writes each export batch to every topic
   * in its layout.
   */
  Loaded load(long seed, long spans, int partitions, Map<RecordLayout, String> topics)
      throws InterruptedException {
    long start = System.nanoTime();
    ExportSchedule schedule = new ExportSchedule(new TraceGenerator(seed), spans);
    Map<RecordLayout, RecordLayout.Batcher> batchers = new EnumMap<>(RecordLayout.class);
    Map<RecordLayout, Long> records = new EnumMap<>(RecordLayout.class);
    Map<RecordLayout, Long> bytes = new EnumMap<>(RecordLayout.class);
    topics.keySet().forEach(layout -> {
      batchers.put(layout, layout.batcher(partitions));
      records.put(layout, 0L);
      bytes.put(layout, 0L);
    });
    while (schedule.hasNext()) {
      List<EmittedSpan> batch = schedule.next();
      for (Map.Entry<RecordLayout, String> topic : topics.entrySet()) {
        for (RecordLayout.InputRecord r : batchers.get(topic.getKey()).records(batch)) {
          send(topic.getValue(), r);
          records.merge(topic.getKey(), 1L, Long::sum);
          bytes.merge(topic.getKey(), (long) r.value().length, Long::sum);
        }
      }
    }
    flush();
    return new Loaded(schedule.traces(), schedule.spans(), schedule.rootlessTraces(),
        schedule.tracesByClass(), records, bytes, (System.nanoTime() - start) / 1e9);
  }

  /**
   * Writes batches of {@code schedule} to {@code topic} until at least {@code spans} more spans
   * have been sent or the schedule ends, then flushes.
   *
   * @return the spans sent
   */
  long produce(ExportSchedule schedule, RecordLayout.Batcher batcher, String topic, long spans)
      throws InterruptedException {
    long sent = 0;
    while (sent < spans && schedule.hasNext()) {
      for (RecordLayout.InputRecord r : batcher.records(schedule.next())) {
        send(topic, r);
        sent += r.spans();
      }
    }
    flush();
    return sent;
  }

  private void send(String topic, RecordLayout.InputRecord r) {
    Long timestamp = recordAge.isZero() ? null
        : System.currentTimeMillis() - recordAge.toMillis();
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, r.partition(), timestamp, r.key(), r.value());
    record.headers().add(SPANS_HEADER, ByteBuffer.allocate(4).putInt(r.spans()).array());
    producer.send(record, (metadata, e) -> {
      if (e != null) {
        failure.compareAndSet(null, e);
      }
    });
  }

  private void flush() throws InterruptedException {
    producer.flush();
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("could not write the workload: " + e, e);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  /** The span count a record carries in its {@value #SPANS_HEADER} header, or 0. */
  static int spansOf(Headers headers) {
    Header h = headers.lastHeader(SPANS_HEADER);
    return h == null || h.value().length != 4 ? 0 : ByteBuffer.wrap(h.value()).getInt();
  }

  void close() {
    producer.close();
  }
}
