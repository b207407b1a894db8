package io.tailstream.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rendered ConfigMaps as the sampler reads them: tailstream.yaml through the real
 * {@link ConfigLoader}, with the pod's environment, and the rules through the real validator.
 */
class AppConfigTest {
  @TempDir Path scratch;

  /** The defaults (with brokers) and every ci values file; null stands for the defaults. */
  static Stream<Path> valueSets() {
    return Stream.concat(Stream.of((Path) null), HelmChart.ciValuesFiles().stream());
  }

  private static Manifests render(Path valuesFile) {
    return valuesFile == null ? HelmChart.renderDefaults() : HelmChart.render(valuesFile);
  }

  private TailstreamConfig load(Manifests manifests) throws IOException {
    Path file = scratch.resolve("tailstream.yaml");
    Files.writeString(file, manifests.appConfig());
    // The pod's environment: TAILSTREAM_* overrides, which the loader also validates.
    return ConfigLoader.load(file, manifests.environment());
  }

  @ParameterizedTest
  @MethodSource("valueSets")
  void appConfigLoadsWithThePodEnvironmentAndMatchesThePodSpec(Path valuesFile)
      throws IOException {
    Manifests manifests = render(valuesFile);
    ObjectNode values = HelmChart.values(valuesFile);

    TailstreamConfig config = load(manifests);

    assertThat(config.kafka().bootstrapServers())
        .isEqualTo(valuesFile == null ? HelmChart.BOOTSTRAP
            : values.at("/kafka/bootstrapServers").asText());
    assertThat(config.state().dir().toString())
        .isEqualTo(manifests.volumeMount("state").path("mountPath").asText());
    assertThat(config.http().port())
        .isEqualTo(manifests.container().at("/ports/0/containerPort").asInt());
    String rulesDir = manifests.volumeMount("rules").path("mountPath").asText();
    assertThat(config.rules().file()).isEqualTo(Path.of(rulesDir, "rules.yaml"));
    // Always set: the sampler treats a missing candidate file as "no dry run", so adding or
    // removing a candidate is a rules change, not a restart.
    assertThat(config.rules().candidateFile()).isEqualTo(Path.of(rulesDir, "candidate.yaml"));
    assertThat(config.state().rocksDbMemoryBytes())
        .isEqualTo(values.at("/state/rocksdbMemoryMiB").asLong() * 1024 * 1024);
    assertThat(config.applicationId()).isEqualTo(values.at("/config/application-id").asText());
    assertThat(config.topics().spans()).isEqualTo(values.at("/config/topics/spans").asText());
    JsonNode dimensions = values.at("/config/metrics/dimensions");
    assertThat(config.metrics().dimensions()).hasSize(dimensions.size());
    if (!values.at("/config/metrics/temporality").isMissingNode()) {
      assertThat(config.metrics().temporality().name())
          .isEqualToIgnoringCase(values.at("/config/metrics/temporality").asText());
    }
  }

  @ParameterizedTest
  @MethodSource("valueSets")
  void streamsSettingsReachKafkaProperties(Path valuesFile) throws IOException {
    ObjectNode values = HelmChart.values(valuesFile);

    Map<String, String> properties = load(render(valuesFile)).kafka().properties();

    JsonNode kafka = values.path("kafka");
    assertThat(properties)
        .containsEntry("num.standby.replicas", kafka.path("standbyReplicas").asText())
        .containsEntry("max.warmup.replicas", kafka.at("/warmup/maxReplicas").asText())
        .containsEntry("acceptable.recovery.lag",
            kafka.at("/warmup/acceptableRecoveryLag").asText())
        .containsEntry("probing.rebalance.interval.ms",
            kafka.at("/warmup/probingRebalanceIntervalMs").asText());
    if (kafka.path("staticMembership").asBoolean()) {
      assertThat(properties).containsEntry("group.instance.id", Manifests.POD_NAME);
    } else {
      assertThat(properties).doesNotContainKey("group.instance.id");
    }
  }

  @Test
  void secretsAndTrustStoreComeFromSecrets() throws IOException {
    Manifests manifests = HelmChart.render(HelmChart.DIR.resolve("ci/sasl-ssl-values.yaml"));

    TailstreamConfig config = load(manifests);

    assertThat(config.kafka().properties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("max.request.size", "4194304")
        .containsEntry("sasl.jaas.config",
            Manifests.secretPlaceholder("tailstream-kafka-user", "sasl.jaas.config"))
        .containsEntry("ssl.truststore.password",
            Manifests.secretPlaceholder("kafka-cluster-ca-cert", "ca.password"))
        .containsEntry("ssl.truststore.location", "/etc/tailstream/kafka-tls/ca.p12")
        .containsEntry("ssl.truststore.type", "PKCS12");
    assertThat(config.rules().hashKey())
        .isEqualTo(Manifests.secretPlaceholder("tailstream-redaction", "hash-key"));
    assertThat(manifests.volume("kafka-tls").at("/secret/secretName").asText())
        .isEqualTo("kafka-cluster-ca-cert");
    assertThat(manifests.volumeMount("kafka-tls").path("mountPath").asText())
        .isEqualTo("/etc/tailstream/kafka-tls");
    assertThat(manifests.volumeMount("kafka-tls").path("readOnly").asBoolean()).isTrue();
    // No secret value is in a ConfigMap.
    assertThat(manifests.appConfig()).doesNotContain("sasl.jaas.config", "password", "hash-key");
  }

  @ParameterizedTest
  @MethodSource("valueSets")
  void rulesConfigMapPassesTheRulesValidator(Path valuesFile) throws RuleValidationException {
    Manifests manifests = render(valuesFile);
    JsonNode data = manifests.get("ConfigMap", "tailstream-rules").path("data");

    RuleSet active = RuleSet.parse(data.path("rules.yaml").asText(), "rules.yaml");

    assertThat(active.ruleNames()).isNotEmpty();
    String candidate = HelmChart.values(valuesFile).at("/rules/candidate").asText();
    if (candidate.isEmpty()) {
      assertThat(data.has("candidate.yaml")).isFalse();
    } else {
      assertThat(RuleSet.parse(data.path("candidate.yaml").asText(), "candidate.yaml")
          .ruleNames()).isNotEmpty();
    }
    List<String> keys = Stream.of("rules.yaml", "candidate.yaml").filter(data::has)
        .collect(Collectors.toList());
    assertThat(data.size()).isEqualTo(keys.size());
  }

  @Test
  void defaultRulesAreTheDocumentedOnes() throws RuleValidationException {
    String rules = HelmChart.renderDefaults().configMapData("tailstream-rules", "rules.yaml");

    assertThat(RuleSet.parse(rules, "rules.yaml").ruleNames())
        .containsExactly("drop-health-checks", "errors", "slow", "priority", "default");
  }
}
