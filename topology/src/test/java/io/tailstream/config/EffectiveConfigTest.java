package io.tailstream.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EffectiveConfigTest {

  @Test
  void masksEverySecretAndShowsEverythingElse() {
    TailstreamConfig config = ConfigLoader.fromMap(Map.of(
        "kafka.properties.security.protocol", "SASL_SSL",
        "kafka.properties.sasl.mechanism", "PLAIN",
        "kafka.properties.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\""
            + " password=\"hunter2\";",
        "kafka.properties.ssl.truststore.password", "trust-me",
        "kafka.properties.ssl.key.password", "key-pass",
        "kafka.properties.sasl.oauthbearer.token.endpoint.url", "https://idp/token",
        "rules.hash-key", "redaction-secret"));

    String described = EffectiveConfig.describe(config);

    assertThat(described).doesNotContain("hunter2", "trust-me", "key-pass", "redaction-secret");
    assertThat(described)
        .contains("kafka.properties.sasl.jaas.config = ****")
        .contains("kafka.properties.ssl.truststore.password = ****")
        .contains("rules.hash-key = ****")
        .contains("kafka.properties.security.protocol = SASL_SSL")
        .contains("kafka.properties.sasl.mechanism = PLAIN")
        .contains("decision.wait = 10s");
    assertThat(EffectiveConfig.of(config).keySet())
        .containsAll(ConfigLoader.DEFAULTS.keySet().stream()
            .filter(k -> !k.startsWith("kafka.properties")).toList());
  }
}
