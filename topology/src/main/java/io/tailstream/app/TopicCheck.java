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
   * Lists the configured topics that do not exist.
   *
   * @throws IllegalStateException if the brokers cannot be reached within the timeout
   */
  public static List<String> missingTopics(TailstreamConfig config) throws InterruptedException {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    Set<String> wanted = new LinkedHashSet<>(List.of(config.topics().spans(),
        config.topics().sampled(), config.topics().decisions(), config.topics().deadLetter()));
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
