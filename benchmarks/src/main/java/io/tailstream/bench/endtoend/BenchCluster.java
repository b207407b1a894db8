package io.tailstream.bench.endtoend;

import io.tailstream.demo.EmbeddedKafka;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** The embedded broker and the admin calls the runs need. */
final class BenchCluster implements AutoCloseable {
  private final EmbeddedKafka kafka;
  private final Admin admin;

  private BenchCluster(EmbeddedKafka kafka) {
    this.kafka = kafka;
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    this.admin = Admin.create(p);
  }

  /** Starts a single-node KRaft broker in this JVM. */
  static BenchCluster start() throws Exception {
    return new BenchCluster(EmbeddedKafka.start());
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  void createTopics(int partitions, String... names)
      throws InterruptedException, ExecutionException, TimeoutException {
    kafka.createTopics(partitions, names);
  }

  /**
   * Deletes the named topics and every topic whose name starts with {@code prefix} (a Kafka
   * Streams application's internal topics), so that runs do not fill the disk. Best effort.
   */
  void deleteTopics(String prefix, String... names) {
    try {
      List<String> doomed = new ArrayList<>(List.of(names));
      for (String t : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
        if (prefix != null && t.startsWith(prefix)) {
          doomed.add(t);
        }
      }
      admin.deleteTopics(doomed).all().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("Could not delete topics of " + prefix + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    admin.close();
    kafka.close();
  }
}
