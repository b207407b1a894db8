package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose listener requires SASL/PLAIN. The SASL settings in {@code kafka.properties} must
 * reach every client of the sampler (Kafka Streams' consumers and producers, the dead-letter
 * producer, the admin clients of the topic check and the broker probe), or some part stops; and
 * the password must never appear in the sampler's log.
 */
class SaslPassThroughTest {
  static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.startWithSasl();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void saslSettingsReachEveryClientAndTheSecretIsNeverLogged() throws Exception {
    TailstreamConfig config = Pipelines.config(kafka, dir, "sasl", dir.resolve("state"), "2s");
    int httpPort = SamplerProcess.freePort();
    Map<String, String> sasl = kafka.clientProperties();
    String password = sasl.get("sasl.jaas.config").replaceAll(".*password=\"([^\"]+)\".*", "$1");
    assertThat(password).isNotBlank().doesNotContain("password=");
    Path configFile = CrashRecoveryTest.writeConfig(config, httpPort, sasl);
    Path log = Files.createDirectories(Path.of("target")).resolve("sasl-sampler.log");
    Files.deleteIfExists(log);
    GeneratedTraces generator = new GeneratedTraces(61);
    List<GeneratedTraces.Trace> traces = generator.traces(300);

    try (SamplerProcess sampler = SamplerProcess.start(configFile, httpPort, log);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled());
        CommittedReader deadLetters = new CommittedReader(kafka, config.topics().deadLetter())) {
      // Ready means the topic check passed and the broker probe is answered: both admin clients.
      sampler.awaitReady(Duration.ofSeconds(90));
      Pipelines.produce(kafka, config, generator.records(traces, 20));
      Pipelines.produce(kafka, config, List.of(new byte[] {1, 2, 3, 4, 5}));

      decisions.pollUntil(() -> decisions.keys().size() >= traces.size(), Duration.ofSeconds(60));
      deadLetters.pollUntil(() -> !deadLetters.records.isEmpty(), Duration.ofSeconds(30));
      Set<String> expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept)
          .map(GeneratedTraces.Trace::id).collect(Collectors.toSet());
      sampled.pollUntil(() -> sampled.keys().containsAll(expectedKept), Duration.ofSeconds(30));
      sampler.terminate(Duration.ofSeconds(45));

      assertThat(decisions.keys()).hasSize(traces.size());
      assertThat(deadLetters.records).hasSize(1);
      assertThat(sampled.keys()).containsExactlyInAnyOrderElementsOf(expectedKept);
      String output = Files.readString(log);
      assertThat(output).contains("Effective configuration (secrets masked)")
          .contains("kafka.properties.sasl.jaas.config = ****")
          .contains("kafka.properties.security.protocol = SASL_PLAINTEXT");
      assertThat(output).as("the sampler's whole log").doesNotContain(password);
    }
  }
}
