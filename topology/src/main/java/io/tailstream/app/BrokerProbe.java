package io.tailstream.app;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.http.BrokerStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the brokers for their cluster description every few seconds, so that readiness can report
 * a broker outage: Kafka Streams stays {@code RUNNING} while its clients retry, and would hide
 * it. Uses the same client properties (security included) as the sampler.
 */
public final class BrokerProbe implements BrokerStatus, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerProbe.class);
  /** How often the brokers are asked. */
  static final Duration INTERVAL = Duration.ofSeconds(2);
  /** How long one question may take before the brokers count as unreachable. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final Admin admin;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private volatile boolean reachable = true;
  private volatile Instant unreachableSince;

  BrokerProbe(TailstreamConfig config, Clock clock) {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, config.applicationId() + "-broker-probe");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    this.admin = Admin.create(p);
    this.clock = clock;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tailstream-broker-probe");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    executor.scheduleWithFixedDelay(this::probe, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probe() {
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
          .nodes().get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
      if (!reachable) {
        LOG.info("Brokers reachable again after {}",
            Duration.between(unreachableSince, clock.instant()));
      }
      reachable = true;
      unreachableSince = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (reachable) {
        unreachableSince = clock.instant();
        LOG.warn("Brokers unreachable: {}", e.getMessage());
      }
      reachable = false;
    }
  }

  @Override
  public boolean reachable() {
    return reachable;
  }

  @Override
  public Instant unreachableSince() {
    return unreachableSince;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    admin.close(Duration.ofSeconds(5));
  }
}
