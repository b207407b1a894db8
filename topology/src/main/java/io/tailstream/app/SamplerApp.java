package io.tailstream.app;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.http.AdminServer;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleSet;
import io.tailstream.topology.TailSamplingTopology;
import java.io.IOException;
import java.time.Duration;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sampler: Kafka Streams with the tail-sampling topology, its metrics registry and
 * its HTTP endpoint. {@link #close()} shuts everything down within a bounded time.
 */
public final class SamplerApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SamplerApp.class);
  /** How long {@link #close()} waits for Kafka Streams to commit and leave the group. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final PrometheusMeterRegistry registry;
  private final SamplerMetrics metrics;
  private final ActiveRules rules;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final AdminServer http;

  private SamplerApp(TailstreamConfig config, RuleSet initialRules) throws IOException {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    this.metrics = new SamplerMetrics(registry);
    initialRules.onEvaluationFailure((rule, error) -> metrics.ruleEvaluationFailed(rule));
    this.rules = new ActiveRules(initialRules);
    Topology topology = new TailSamplingTopology(config, rules, metrics).get();
    LOG.debug("Topology:\n{}", topology.describe());
    this.streams = new KafkaStreams(topology, StreamsSettings.of(config));
    this.streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    this.http = AdminServer.start(config.http(), registry, streams, rules);
  }

  /**
   * Builds and starts a sampler.
   *
   * @throws IOException if the HTTP port cannot be bound
   */
  public static SamplerApp start(TailstreamConfig config, RuleSet rules) throws IOException {
    SamplerApp app = new SamplerApp(config, rules);
    app.streams.start();
    LOG.info("Tailstream started: application-id {}, input {}, rules {} ({} rules, hash {}), "
            + "HTTP on port {}", config.applicationId(), config.topics().spans(),
        config.rules().file(), rules.ruleNames().size(), rules.hash(), app.http.port());
    return app;
  }

  public SamplerMetrics metrics() {
    return metrics;
  }

  public KafkaStreams streams() {
    return streams;
  }

  public ActiveRules rules() {
    return rules;
  }

  /** The HTTP port actually bound. */
  public int httpPort() {
    return http.port();
  }

  @Override
  public void close() {
    http.close();
    // Leave the group so that the partitions move to the other instances at once, instead of
    // after the session timeout.
    boolean clean = streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    if (!clean) {
      LOG.warn("Kafka Streams did not shut down within {}", CLOSE_TIMEOUT);
    }
    streamsMetrics.close();
    registry.close();
  }
}
