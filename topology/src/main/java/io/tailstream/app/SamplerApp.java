package io.tailstream.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tailstream.config.EffectiveConfig;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.BudgetShare;
import io.tailstream.decision.DecisionWorkers;
import io.tailstream.decision.LoadedRules;
import io.tailstream.decision.RulesLoader;
import io.tailstream.http.AdminServer;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.tracemetrics.MetricsPublisher;
import io.tailstream.rules.RuleContext;
import io.tailstream.rules.RuleListener;
import io.tailstream.rules.RuleValidationException;
import io.tailstream.topology.TailSamplingTopology;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sampler: Kafka Streams with the tail-sampling topology, its metrics registry, its
 * HTTP endpoint and the rules reloader. {@link #close()} shuts everything down within a bounded
 * time.
 */
public final class SamplerApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SamplerApp.class);
  /** How long {@link #close()} waits for Kafka Streams to commit and leave the group. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final PrometheusMeterRegistry registry;
  private final SamplerMetrics metrics;
  private final ActiveRules rules;
  private final RulesReloader reloader;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final AdminServer http;
  private final BrokerProbe brokers;
  private final DecisionWorkers decisionWorkers;
  private MetricsPublisher publisher;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private SamplerApp(TailstreamConfig config, int inputPartitions)
      throws IOException, RuleValidationException {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    this.metrics = new SamplerMetrics(registry, config.metrics());
    BudgetShare share = new BudgetShare(inputPartitions);
    TailstreamConfig.Rules rulesConfig = config.rules();
    RulesLoader loader = new RulesLoader(
        new RuleContext(System::nanoTime, share, rulesConfig.maxKeysPerRule()),
        rulesConfig.hashKey(), Clock.systemUTC());
    this.rules = new ActiveRules(loadActive(loader, rulesConfig.file()));
    metrics.rulesInForce(false, rules.active().hash());
    this.reloader = new RulesReloader(rules,
        rulesConfig.file(), file -> loadActive(loader, file),
        rulesConfig.candidateFile(), file -> loadCandidate(loader, file),
        (set, success) -> {
          metrics.rulesReloaded(set, success);
          metrics.rulesInForce(false, rules.active().hash());
          metrics.rulesInForce(true, rules.candidate().map(LoadedRules::hash).orElse(null));
        });
    this.decisionWorkers = DecisionWorkers.of(config.decision().threads());
    Topology topology =
        new TailSamplingTopology(config, rules, metrics, share, decisionWorkers).get();
    LOG.debug("Topology:\n{}", topology.describe());
    this.streams = new KafkaStreams(topology, StreamsSettings.of(config));
    streams.setGlobalStateRestoreListener(new RestoreProgress(registry));
    streams.setStateListener((newState, oldState) -> {
      LOG.info("Kafka Streams state {} -> {}", oldState, newState);
      if (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING) {
        stopped.countDown();
      }
    });
    this.streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    this.brokers = new BrokerProbe(config, Clock.systemUTC());
    Gauge.builder("tailstream.brokers.reachable", brokers, b -> b.reachable() ? 1 : 0)
        .description("1 while the brokers answer the sampler's probe, 0 during an outage")
        .register(registry);
    this.http = AdminServer.start(config.http(), registry, streams, brokers, rules);
  }

  private LoadedRules loadActive(RulesLoader loader, Path file) throws RuleValidationException {
    LoadedRules loaded = loader.load(file);
    loaded.rules().addListener(new RuleListener() {
      @Override
      public void evaluationFailed(String rule, Exception failure) {
        metrics.ruleEvaluationFailed(rule);
      }

      @Override
      public void keyOverflowed(String rule) {
        metrics.keyOverflowed(rule);
      }
    });
    return loaded;
  }

  private LoadedRules loadCandidate(RulesLoader loader, Path file)
      throws RuleValidationException {
    LoadedRules loaded = loader.load(file);
    loaded.rules().addListener(new RuleListener() {
      @Override
      public void evaluationFailed(String rule, Exception failure) {
        metrics.candidateEvaluationFailed(rule);
      }
    });
    return loaded;
  }

  /**
   * Builds and starts a sampler with the rules in {@code config.rules().file()}.
   *
   * @throws IOException if the HTTP port cannot be bound
   * @throws RuleValidationException if the rules file is invalid
   * @throws InterruptedException if interrupted while reading the input topic's partition count
   */
  public static SamplerApp start(TailstreamConfig config)
      throws IOException, RuleValidationException, InterruptedException {
    LOG.info("Effective configuration (secrets masked):{}", EffectiveConfig.describe(config));
    int partitions = TopicCheck.partitions(config, config.topics().spans());
    SamplerApp app = new SamplerApp(config, partitions);
    app.streams.start();
    app.publisher = MetricsPublisher.start(config, app.metrics.traceMetrics(), app.metrics,
        version());
    app.brokers.start();
    app.reloader.start(config.rules().reloadInterval());
    LOG.info("Tailstream started: application-id {}, input {} ({} partitions), rules {} ({} rules,"
            + " hash {}){}, HTTP on port {}", config.applicationId(), config.topics().spans(),
        partitions, config.rules().file(), app.rules.active().rules().ruleNames().size(),
        app.rules.active().hash(), config.rules().candidateFile() == null ? ""
            : ", candidate rules " + config.rules().candidateFile(), app.http.port());
    return app;
  }

  /** The version in the jar's manifest, or {@code dev} when run from classes. */
  private static String version() {
    String v = SamplerApp.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
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

  /**
   * Blocks until Kafka Streams has stopped, by {@link #close()} or by a fatal error.
   *
   * @return true if it stopped because of an error
   */
  public boolean awaitStopped() throws InterruptedException {
    stopped.await();
    return streams.state() == KafkaStreams.State.ERROR;
  }

  /** Checks the rules files for changes now, instead of at the next interval. */
  public void checkRulesNow() {
    reloader.checkNow();
  }

  /** The HTTP port actually bound. */
  public int httpPort() {
    return http.port();
  }

  @Override
  public void close() {
    reloader.close();
    http.close();
    brokers.close();
    // Leave the group, static member or not, so that the partitions move to the other instances
    // at once. A static member that stayed would hold its partitions until session.timeout.ms,
    // and traces whose spans are split over partitions would wait on them, or be decided early.
    boolean clean = streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    if (!clean) {
      LOG.warn("Kafka Streams did not shut down within {}", CLOSE_TIMEOUT);
    }
    if (publisher != null) {
      publisher.close(); // after Kafka Streams, so that the last decisions are in the export
    }
    decisionWorkers.close(); // after Kafka Streams, whose punctuations await them
    streamsMetrics.close();
    registry.close();
  }
}
