package io.tailstream.tracemetrics;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.metrics.SamplerMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link TraceMetrics} to {@code topics.metrics} as OTLP {@code MetricsData} every {@code
 * metrics.flush-interval}, and once more on close.
 *
 * <p>An export that fails is counted and logged; the next one carries its data, since cumulative
 * values include it and deltas are taken from the last export that was written.
 */
public final class MetricsPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsPublisher.class);
  /** Room left in {@code max.request.size} for the record's key, headers and framing. */
  static final int RECORD_OVERHEAD_BYTES = 1024;
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
  /**
   * How long a send may wait for the topic's metadata: a missing or unreachable metrics topic
   * fails the export after this, instead of holding the publisher (and shutdown) for a minute.
   */
  private static final Duration MAX_BLOCK = Duration.ofSeconds(5);

  private final TraceMetrics metrics;
  private final Producer<String, byte[]> producer;
  private final String topic;
  private final boolean delta;
  private final OtlpMetricsEncoder encoder;
  private final DeltaTracker deltas;
  private final SamplerMetrics health;
  private final LongSupplier epochNanos;
  private final ScheduledExecutorService executor;
  private boolean failureLogged;

  MetricsPublisher(TraceMetrics metrics, Producer<String, byte[]> producer, String topic,
      TailstreamConfig.Metrics config, OtlpMetricsEncoder encoder, SamplerMetrics health,
      LongSupplier epochNanos) {
    this.metrics = metrics;
    this.producer = producer;
    this.topic = topic;
    this.delta = config.temporality() == TailstreamConfig.Temporality.DELTA;
    this.encoder = encoder;
    this.deltas = new DeltaTracker(metrics.startEpochNanos());
    this.health = health;
    this.epochNanos = epochNanos;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tailstream-metrics-publisher");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Creates a publisher with its own producer and starts the periodic flush.
   *
   * @param version the sampler's version, written as the instrumentation scope's version
   */
  public static MetricsPublisher start(TailstreamConfig config, TraceMetrics metrics,
      SamplerMetrics health, String version) {
    String instanceId = UUID.randomUUID().toString();
    int maxRequestSize = config.kafka().maxRequestSize();
    Producer<String, byte[]> producer = new KafkaProducer<>(producerProperties(config),
        new StringSerializer(), new ByteArraySerializer());
    MetricsPublisher publisher = new MetricsPublisher(metrics, producer, config.topics().metrics(),
        config.metrics(), new OtlpMetricsEncoder(instanceId, version,
            maxRequestSize - RECORD_OVERHEAD_BYTES), health, TraceMetrics::wallClockNanos);
    long interval = config.metrics().flushInterval().toMillis();
    publisher.executor.scheduleWithFixedDelay(publisher::flushQuietly, interval, interval,
        TimeUnit.MILLISECONDS);
    LOG.info("Publishing trace metrics to {} every {} ({}), service.instance.id={}",
        config.topics().metrics(), config.metrics().flushInterval(),
        config.metrics().temporality().name().toLowerCase(java.util.Locale.ROOT), instanceId);
    return publisher;
  }

  /** The configured client properties a producer understands, plus those set here. */
  static Properties producerProperties(TailstreamConfig config) {
    Properties p = new Properties();
    for (Map.Entry<String, String> e : config.kafka().properties().entrySet()) {
      String key = e.getKey();
      if (key.startsWith("producer.")) {
        key = key.substring("producer.".length());
      } else if (config.kafka().properties().containsKey("producer." + key)) {
        continue;
      }
      if (ProducerConfig.configNames().contains(key)) {
        p.put(key, e.getValue());
      }
    }
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-metrics-publisher");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "50");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() / 2);
    return p;
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.warn("Publishing trace metrics failed", e);
    }
  }

  /**
   * Takes a snapshot and writes it, waiting until the brokers acknowledged every record.
   *
   * @return whether every record was written
   */
  public synchronized boolean flush() {
    long now = epochNanos.getAsLong();
    List<MetricFamily> cumulative = metrics.snapshot();
    List<MetricFamily> families = delta ? deltas.deltas(cumulative) : cumulative;
    long start = delta ? deltas.intervalStartNanos() : metrics.startEpochNanos();
    List<OtlpMetricsEncoder.Encoded> records = encoder.encode(families, start, now, delta);
    List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
    try {
      for (OtlpMetricsEncoder.Encoded r : records) {
        sends.add(producer.send(new ProducerRecord<>(topic, r.key(), r.data().toByteArray())));
      }
      producer.flush();
      for (Future<RecordMetadata> f : sends) {
        f.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      health.metricsExported(false, 0);
      return false;
    } catch (ExecutionException | java.util.concurrent.TimeoutException
        | org.apache.kafka.common.KafkaException e) {
      health.metricsExported(false, 0);
      if (!failureLogged) {
        failureLogged = true;
        LOG.warn("Cannot write trace metrics to {}; the next export will carry them (further"
            + " failures are only counted in tailstream.metrics.exports{{result=failure}})",
            topic, e);
      }
      return false;
    }
    if (delta) {
      deltas.commit(cumulative, now);
    }
    health.metricsExported(true, records.size());
    return true;
  }

  /** Stops the periodic flush, writes a last export, and closes the producer. */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flushQuietly();
    producer.close(Duration.ofSeconds(10));
  }
}
