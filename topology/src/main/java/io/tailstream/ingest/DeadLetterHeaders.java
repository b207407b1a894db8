package io.tailstream.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * Header names on dead-letter records. They are the names Kafka Streams 4.3 itself writes for
 * KIP-1034 dead-letter records, so one consumer can read both kinds.
 */
public final class DeadLetterHeaders {
  public static final String EXCEPTION = "__streams.errors.exception";
  public static final String MESSAGE = "__streams.errors.message";
  public static final String TOPIC = "__streams.errors.topic";
  public static final String PARTITION = "__streams.errors.partition";
  public static final String OFFSET = "__streams.errors.offset";

  private DeadLetterHeaders() {}

  static void add(Headers headers, Exception error, String topic, int partition, long offset) {
    put(headers, EXCEPTION, error.getClass().getName());
    put(headers, MESSAGE, String.valueOf(error.getMessage()));
    put(headers, TOPIC, topic);
    put(headers, PARTITION, Integer.toString(partition));
    put(headers, OFFSET, Long.toString(offset));
  }

  private static void put(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
