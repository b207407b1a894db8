package io.tailstream.app;

import io.tailstream.config.TailstreamConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Checks before start-up that the topics the sampler reads and writes exist, so that a missing
 * topic is one clear message rather than a producer timeout minutes later. Creates nothing:
 * topics, their partitions and retention belong to the platform team.
 */
public final class TopicCheck {
  private TopicCheck() {}

  /**
   * Returns the number of partitions of {@code topic}, or 0 when it cannot be learned in time.
   */
  public static int partitions(TailstreamConfig config, String topic) throws InterruptedException {
    try (Admin admin = Admin.create(adminProperties(config))) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(topic).partitions().size();
    } catch (ExecutionException | TimeoutException e) {
      return 0;
    }
  }

  private static Properties adminProperties(TailstreamConfig config) {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    return p;
  }

  /**
   * Lists the configured topics that do not exist.
   *
   * @throws IllegalStateException if the brokers cannot be reached within the timeout
   */
  public static List<String> missingTopics(TailstreamConfig config) throws InterruptedException {
    Properties p = adminProperties(config);
    Set<String> wanted = new LinkedHashSet<>(List.of(config.topics().spans(),
        config.topics().sampled(), config.topics().decisions(), config.topics().deadLetter(),
        config.topics().metrics()));
    try (Admin admin = Admin.create(p)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> missing = new ArrayList<>();
      for (String t : wanted) {
        if (!existing.contains(t)) {
          missing.add(t);
        }
      }
      return missing;
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list topics on " + config.kafka().bootstrapServers()
          + ": " + e.getMessage(), e);
    }
  }
}
