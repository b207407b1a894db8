package io.tailstream.it;

import io.tailstream.demo.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the committed records of a topic from the beginning, as a downstream consumer would. */
final class CommittedReader implements AutoCloseable {
  final KafkaConsumer<String, byte[]> consumer;
  final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

  CommittedReader(EmbeddedKafka kafka, String topic) {
    Properties p = new Properties();
    p.putAll(kafka.clientProperties());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(topic));
  }

  /** Polls until {@code done} says enough, or the timeout. */
  void pollUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
  }

  /** Polls a little longer, to catch anything that should not be there. */
  void drain(Duration quiet) {
    pollUntil(() -> false, quiet);
  }

  /** The distinct keys read so far. */
  Set<String> keys() {
    return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
  }

  @Override
  public void close() {
    consumer.close();
  }
}
