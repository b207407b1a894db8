package io.tailstream.bench.endtoend;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Offers load at a fixed rate: copies the pre-loaded input records, in order and to the same
 * partition, into a fresh topic at a fixed number of spans per second, for a fixed time or until
 * the source ends. Copying the bytes costs far less CPU than generating them again, so the
 * producer takes little from the sampler on a small machine. Copies are stamped with the time
 * they are sent, so the sampler sees live input, not the pre-loaded records' age.
 */
final class PacedCopier implements Runnable {
  private final String bootstrapServers;
  private final String from;
  private final String to;
  private final double spansPerSecond;
  private final Duration duration;
  private final AtomicLong sentSpans = new AtomicLong();
  private final AtomicLong sentRecords = new AtomicLong();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private volatile long elapsedNanos;
  private volatile boolean stopped;

  PacedCopier(String bootstrapServers, String from, String to, double spansPerSecond,
      Duration duration) {
    this.bootstrapServers = bootstrapServers;
    this.from = from;
    this.to = to;
    this.spansPerSecond = spansPerSecond;
    this.duration = duration;
  }

  @Override
  public void run() {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
    Properties p = InputLoader.producerProperties(bootstrapServers, 5);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c,
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(from).stream()
          .map(info -> new TopicPartition(from, info.partition()))
          .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      while (!stopped && System.nanoTime() < deadline && !atEnd(consumer, end)) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long due = start + (long) (sentSpans.get() / spansPerSecond * 1e9);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          if (stopped || System.nanoTime() >= deadline) {
            break;
          }
          producer.send(new ProducerRecord<>(to, r.partition(), r.key(), r.value(),
              r.headers()), (metadata, e) -> {
                if (e != null) {
                  failure.compareAndSet(null, e);
                }
              });
          sentSpans.addAndGet(InputLoader.spansOf(r.headers()));
          sentRecords.incrementAndGet();
        }
      }
      producer.flush();
      elapsedNanos = System.nanoTime() - start;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  private static boolean atEnd(KafkaConsumer<byte[], byte[]> consumer,
      Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  void stop() {
    stopped = true;
  }

  long sentSpans() {
    return sentSpans.get();
  }

  long sentRecords() {
    return sentRecords.get();
  }

  /** How long the copy ran, in seconds; 0 until it ended. */
  double seconds() {
    return elapsedNanos / 1e9;
  }

  /** The first error, or null. */
  Exception failure() {
    return failure.get();
  }
}
