package io.tailstream.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.ingest.DeadLetterHeaders;
import io.tailstream.serdes.otlp.OtlpJson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison mixed into good traffic on a real broker: random bytes, truncated protobuf, JSON while
 * the config says protobuf, empty values, and a kept trace too large for one output record. Each
 * bad input record lands in the dead-letter topic with its original key and value and headers
 * naming the exception, message, topic, partition and offset; every good trace is still decided,
 * and the large trace arrives whole, in parts.
 */
class PoisonRecordsTest {
  /** The sampler's producer limit; the large trace needs several records at this size. */
  static final int MAX_REQUEST_SIZE = 65_536;

  static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void everyPoisonRecordGoesToTheDeadLetterTopicAndGoodTrafficFlows() throws Exception {
    TailstreamConfig config = Pipelines.config(kafka, dir, "poison", dir.resolve("state"), "2s",
        Map.of("kafka.properties.max.request.size", String.valueOf(MAX_REQUEST_SIZE)));
    GeneratedTraces generator = new GeneratedTraces(41);
    List<GeneratedTraces.Trace> traces = generator.traces(600);
    List<byte[]> good = generator.records(traces, 20);

    Random random = new Random(41);
    byte[] randomBytes = new byte[300];
    random.nextBytes(randomBytes);
    byte[] whole = good.get(0);
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
    byte[] json = OtlpJson.toJson(TracesData.parseFrom(good.get(1))).getBytes(UTF_8);
    byte[] empty = new byte[0];
    List<byte[]> poison = List.of(randomBytes, truncated, json, empty);

    // One kept trace of 1,200 error spans with large attributes, sent in 24 small records:
    // about 300 KB assembled, several times the sampler's max.request.size.
    String bigTrace = "7f".repeat(16);
    List<byte[]> bigRecords = new ArrayList<>();
    Set<String> bigSpans = new HashSet<>();
    for (int r = 0; r < 24; r++) {
      List<Map.Entry<String, Span>> spans = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        Span span = bigSpan(bigTrace, r * 50 + i + 1, random);
        bigSpans.add(HexFormat.of().formatHex(span.getSpanId().toByteArray()));
        spans.add(Map.entry("batch", span));
      }
      bigRecords.add(GeneratedTraces.request(spans));
    }

    try (SamplerApp app = SamplerApp.start(config);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled());
        CommittedReader deadLetters = new CommittedReader(kafka, config.topics().deadLetter());
        KafkaProducer<byte[], byte[]> producer = producer()) {
      // Poison first, in the middle and last, with keys to prove they are kept.
      int key = 0;
      List<byte[]> keys = new ArrayList<>();
      for (int i = 0; i < good.size(); i++) {
        if (i % (good.size() / 3) == 0) {
          for (byte[] bad : poison) {
            byte[] k = ("poison-" + key++).getBytes(UTF_8);
            keys.add(k);
            producer.send(new ProducerRecord<>(config.topics().spans(), 0, k, bad));
          }
        }
        producer.send(new ProducerRecord<>(config.topics().spans(), i % Pipelines.PARTITIONS,
            null, good.get(i)));
      }
      for (byte[] r : bigRecords) {
        producer.send(new ProducerRecord<>(config.topics().spans(), 1, null, r));
      }
      producer.flush();

      int expectedTraces = traces.size() + 1;
      decisions.pollUntil(() -> decisions.keys().size() >= expectedTraces, Duration.ofSeconds(90));
      deadLetters.pollUntil(() -> deadLetters.records.size() >= keys.size(),
          Duration.ofSeconds(30));
      deadLetters.drain(Duration.ofSeconds(1));
      sampled.pollUntil(() -> sampled.keys().contains(bigTrace), Duration.ofSeconds(30));
      sampled.drain(Duration.ofSeconds(2));

      // Every poison record, with its key, value and the KIP-1034 headers.
      assertThat(deadLetters.records).hasSize(keys.size());
      for (ConsumerRecord<String, byte[]> r : deadLetters.records) {
        assertThat(r.key()).startsWith("poison-");
        int n = Integer.parseInt(r.key().substring("poison-".length()));
        assertThat(r.value()).isEqualTo(poison.get(n % poison.size()));
        assertThat(header(r, DeadLetterHeaders.EXCEPTION)).isNotBlank();
        assertThat(header(r, DeadLetterHeaders.MESSAGE)).isNotBlank();
        assertThat(header(r, DeadLetterHeaders.TOPIC)).isEqualTo(config.topics().spans());
        assertThat(header(r, DeadLetterHeaders.PARTITION)).isEqualTo("0");
        assertThat(Long.parseLong(header(r, DeadLetterHeaders.OFFSET))).isNotNegative();
      }
      assertThat(app.metrics().registry().find("tailstream.records.dead_lettered").counters()
          .stream().mapToDouble(c -> c.count()).sum()).isEqualTo((double) keys.size());

      // Good traffic never stopped.
      Map<String, Integer> perTrace = EndToEndSamplingTest.decisionsPerTrace(decisions.records);
      Set<String> expected = traces.stream().map(GeneratedTraces.Trace::id)
          .collect(Collectors.toSet());
      expected.add(bigTrace);
      assertThat(perTrace.keySet()).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(perTrace.values()).containsOnly(1);

      // The large trace arrived in parts, each within the limit, every span once.
      List<ConsumerRecord<String, byte[]>> parts = sampled.records.stream()
          .filter(r -> r.key().equals(bigTrace)).collect(Collectors.toList());
      assertThat(parts).hasSizeGreaterThan(1);
      assertThat(parts).allSatisfy(r -> {
        assertThat(r.value().length).isLessThanOrEqualTo(MAX_REQUEST_SIZE);
        assertThat(header(r, "tailstream.part")).matches("\\d+/\\d+");
      });
      List<ConsumerRecord<String, byte[]>> others = sampled.records.stream()
          .filter(r -> !r.key().equals(bigTrace)).collect(Collectors.toList());
      assertThat(EndToEndSamplingTest.keptSpans(parts).get(bigTrace))
          .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(bigSpans);
      EndToEndSamplingTest.assertExactlyTheKeptTraces(traces,
          EndToEndSamplingTest.keptSpans(others));
    }
  }

  static Span bigSpan(String traceHex, int n, Random random) {
    byte[] spanId = new byte[8];
    random.nextBytes(spanId);
    spanId[0] |= 1;
    long start = 1_760_000_000_000_000_000L + n * 1_000_000L;
    Span.Builder b = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceHex)))
        .setSpanId(ByteString.copyFrom(spanId))
        .setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex("00000000000000ff")))
        .setName("chunk " + n)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 1_000_000L)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    b.addAttributes(KeyValue.newBuilder().setKey("payload")
        .setValue(AnyValue.newBuilder().setStringValue("x".repeat(200))));
    return b.build();
  }

  static String header(ConsumerRecord<String, byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), UTF_8);
  }

  static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
