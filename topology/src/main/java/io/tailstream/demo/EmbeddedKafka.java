package io.tailstream.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft broker in this JVM, on an ephemeral port of the loopback interface. Used by
 * {@code tailstream demo} and by the integration tests; not for production.
 */
public final class EmbeddedKafka implements AutoCloseable {
  /** The test kit's SASL/PLAIN super user. */
  static final String SASL_USER = "plain-admin";
  static final String SASL_PASSWORD = "plain-admin-secret";

  private final KafkaClusterTestKit cluster;
  private final boolean sasl;

  private EmbeddedKafka(KafkaClusterTestKit cluster, boolean sasl) {
    this.cluster = cluster;
    this.sasl = sasl;
  }

  /**
   * Formats and starts a combined broker/controller node with single-replica internal topics, so
   * that transactions (exactly-once) work on one node.
   *
   * @param brokerProperties extra broker properties, for example a smaller {@code
   *     message.max.bytes}
   */
  public static EmbeddedKafka start(Map<String, String> brokerProperties) throws Exception {
    return start(brokerProperties, false);
  }

  /**
   * Starts a broker whose client listener requires SASL/PLAIN; clients authenticate with {@link
   * #clientProperties()}.
   */
  public static EmbeddedKafka startWithSasl() throws Exception {
    return start(Map.of(), true);
  }

  private static EmbeddedKafka start(Map<String, String> brokerProperties, boolean sasl)
      throws Exception {
    TestKitNodes.Builder nodes = new TestKitNodes.Builder()
        // The test kit otherwise bootstraps the newest metadata version, features still in
        // development included; run what a production broker of this release runs.
        .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION)
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1);
    if (sasl) {
      nodes.setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
          .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT);
    }
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build())
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setConfigProp("auto.create.topics.enable", "false");
    brokerProperties.forEach(builder::setConfigProp);
    KafkaClusterTestKit cluster = builder.build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      new EmbeddedKafka(cluster, sasl).close();
      throw e;
    }
    return new EmbeddedKafka(cluster, sasl);
  }

  public static EmbeddedKafka start() throws Exception {
    return start(Map.of());
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** What a client needs besides the bootstrap servers: SASL settings, or nothing. */
  public Map<String, String> clientProperties() {
    if (!sasl) {
      return Map.of();
    }
    return Map.of(
        "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"" + SASL_USER + "\" password=\"" + SASL_PASSWORD + "\";");
  }

  /** Creates topics with the given partition count and waits until they exist. */
  public void createTopics(int partitions, String... names)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : names) {
      topics.add(new NewTopic(name, partitions, (short) 1));
    }
    try (Admin admin = cluster.admin()) {
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Stops the broker (the controller keeps running), as in a broker outage. Its listener port,
   * log directories and data stay, so {@link #restartBroker()} brings back the same broker.
   */
  public void stopBroker() {
    for (var broker : cluster.brokers().values()) {
      broker.shutdown();
      broker.awaitShutdown();
    }
  }

  /** Starts the broker stopped by {@link #stopBroker()} again, on the same port and data. */
  public void restartBroker() throws ExecutionException, InterruptedException {
    for (var broker : cluster.brokers().values()) {
      broker.startup();
    }
    cluster.waitForReadyBrokers();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka did not shut down cleanly", e);
    }
  }
}
