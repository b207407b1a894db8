package io.tailstream.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft broker in this JVM, on an ephemeral port of the loopback interface. Used by
 * {@code tailstream demo} and by the integration tests; not for production.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Formats and starts a combined broker/controller node with single-replica internal topics, so
   * that transactions (exactly-once) work on one node.
   *
   * @param brokerProperties extra broker properties, for example a smaller {@code
   *     message.max.bytes}
   */
  public static EmbeddedKafka start(Map<String, String> brokerProperties) throws Exception {
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .build())
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
      new EmbeddedKafka(cluster).close();
      throw e;
    }
    return new EmbeddedKafka(cluster);
  }

  public static EmbeddedKafka start() throws Exception {
    return start(Map.of());
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
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
