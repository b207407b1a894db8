package io.tailstream.generate;

import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.serdes.otlp.OtlpJson;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends generated records to a Kafka topic with null keys, as OTLP protobuf or OTLP JSON. */
public final class KafkaRecordSink implements TrafficGenerator.RecordSink, AutoCloseable {
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final boolean json;

  public KafkaRecordSink(String bootstrapServers, String topic, boolean json) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.json = json;
  }

  @Override
  public void send(byte[] exportTraceServiceRequest) {
    byte[] value = exportTraceServiceRequest;
    if (json) {
      try {
        value = OtlpJson.toJson(TracesData.parseFrom(exportTraceServiceRequest))
            .getBytes(StandardCharsets.UTF_8);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("generated an invalid record", e);
      }
    }
    producer.send(new ProducerRecord<>(topic, null, value));
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
