package io.tailstream.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code helm template}: which objects each value set produces, and what stops a render. */
class ChartRenderTest {
  private static final Set<String> OPTIONAL_KINDS =
      Set.of("PodDisruptionBudget", "ServiceMonitor", "ScaledObject", "NetworkPolicy");

  static List<Path> ciValuesFiles() {
    return HelmChart.ciValuesFiles();
  }

  @Test
  void ciValuesFilesIncludeTheFourRequiredSets() {
    assertThat(HelmChart.ciValuesFiles()).extracting(p -> p.getFileName().toString())
        .contains("minimal-values.yaml", "sasl-ssl-values.yaml",
            "keda-pdb-servicemonitor-networkpolicy-values.yaml",
            "candidate-standby-values.yaml");
  }

  @Test
  void rendersOnlyTheCoreObjectsByDefault() {
    Manifests manifests = HelmChart.renderDefaults();

    assertThat(manifests.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap",
        "ConfigMap", "Service", "Service", "StatefulSet");
    manifests.get("ConfigMap", "tailstream-config");
    manifests.get("ConfigMap", "tailstream-rules");
    manifests.get("Service", "tailstream");
    assertThat(manifests.get("Service", "tailstream-headless").at("/spec/clusterIP").asText())
        .isEqualTo("None");
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void rendersCiValuesFileIntoLabelledObjects(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);

    assertThat(manifests.kinds()).contains("StatefulSet", "ConfigMap", "Service");
    for (JsonNode object : manifests.objects()) {
      assertThat(object.at("/metadata/labels/app.kubernetes.io~1name").asText())
          .as("%s %s", object.path("kind"), object.at("/metadata/name"))
          .isEqualTo("tailstream");
      assertThat(object.at("/metadata/namespace").asText()).isEqualTo(HelmChart.NAMESPACE);
    }
  }

  @Test
  void ciValuesFilesTogetherRenderEveryOptionalObject() {
    Set<String> kinds = new TreeSet<>();
    for (Path file : HelmChart.ciValuesFiles()) {
      kinds.addAll(HelmChart.render(file).kinds());
    }

    assertThat(kinds).containsAll(OPTIONAL_KINDS);
  }

  @Test
  void grafanaDashboardConfigMapCarriesTheShippedDashboardForTheSidecar() throws IOException {
    assertThat(HelmChart.renderDefaults().find("ConfigMap", "tailstream-dashboard")).isEmpty();

    JsonNode configMap = HelmChart.render(null, Map.of("kafka.bootstrapServers",
            HelmChart.BOOTSTRAP, "grafanaDashboard.enabled", "true"))
        .get("ConfigMap", "tailstream-dashboard");

    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo(HelmChart.NAMESPACE);
    ObjectMapper json = new ObjectMapper();
    JsonNode shipped = json.readTree(HelmChart.DIR.resolve("dashboards/tailstream.json").toFile());
    assertThat(json.readTree(configMap.at("/data/tailstream.json").asText())).isEqualTo(shipped);
    assertThat(shipped.path("panels").size()).isGreaterThan(5);
  }

  @Test
  void grafanaDashboardTakesTheSidecarsLabelANamespaceAndAnnotations() {
    JsonNode configMap = HelmChart.render(null, Map.of("kafka.bootstrapServers",
            HelmChart.BOOTSTRAP, "grafanaDashboard.enabled", "true",
            "grafanaDashboard.label", "example.com/dashboard",
            "grafanaDashboard.labelValue", "tailstream",
            "grafanaDashboard.namespace", "monitoring",
            "grafanaDashboard.annotations.grafana_folder", "Tracing"))
        .get("ConfigMap", "tailstream-dashboard");

    assertThat(configMap.at("/metadata/labels/example.com~1dashboard").asText())
        .isEqualTo("tailstream");
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").isMissingNode()).isTrue();
    assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo("monitoring");
    assertThat(configMap.at("/metadata/annotations/grafana_folder").asText())
        .isEqualTo("Tracing");
  }

  @Test
  void statefulSetStartsPodsInParallelWithAStateClaim() {
    JsonNode spec = HelmChart.renderDefaults().statefulSet().path("spec");

    assertThat(spec.path("podManagementPolicy").asText()).isEqualTo("Parallel");
    assertThat(spec.path("serviceName").asText()).isEqualTo("tailstream-headless");
    assertThat(spec.at("/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");
    assertThat(spec.at("/volumeClaimTemplates/0/spec/resources/requests/storage").asText())
        .isEqualTo("10Gi");
  }

  @Test
  void mountsAnExistingRulesConfigMapInsteadOfRenderingOne() {
    Manifests manifests = HelmChart.render(null, Map.of(
        "kafka.bootstrapServers", HelmChart.BOOTSTRAP, "rules.existingConfigMap", "sre-rules"));

    assertThat(manifests.find("ConfigMap", "tailstream-rules")).isEmpty();
    assertThat(manifests.volume("rules").at("/configMap/name").asText()).isEqualTo("sre-rules");
  }

  @Test
  void failsWithClearMessageWithoutBootstrapServers() {
    assertThatThrownBy(() -> HelmChart.render(null, Map.of()))
        .hasMessageContaining("kafka.bootstrapServers is required: set it to the Kafka brokers"
            + " the sampler reads spans from, for example"
            + " --set kafka.bootstrapServers=kafka-bootstrap.kafka:9092");
  }

  @Test
  void installNotesNameTheTopicsAndTheRulesRollout() {
    String notes = HelmChart.installNotes(Map.of("kafka.bootstrapServers", HelmChart.BOOTSTRAP));

    assertThat(notes)
        .contains("reads otlp_spans from " + HelmChart.BOOTSTRAP)
        .contains("otlp_spans, sampled_traces, trace_decisions and tailstream_dlq")
        .contains("--set-file rules.active=rules.yaml");
  }

  @Test
  void installStopsWithClearMessageWithoutBootstrapServers() {
    assertThatThrownBy(() -> HelmChart.installNotes(Map.of()))
        .hasMessageContaining("kafka.bootstrapServers is required");
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void kedaNeverScalesBeyondTheInputPartitions(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);
    ObjectNode values = HelmChart.values(valuesFile);
    for (JsonNode scaledObject : manifests.ofKind("ScaledObject")) {
      int partitions = values.at("/kafka/inputPartitions").asInt();
      assertThat(scaledObject.at("/spec/maxReplicaCount").asInt())
          .isPositive()
          .isLessThanOrEqualTo(partitions);
    }
  }

  @Test
  void kedaScalesTheStatefulSetOnTheLagOfTheSpansTopic() {
    Manifests manifests = HelmChart.render(
        HelmChart.DIR.resolve("ci/keda-pdb-servicemonitor-networkpolicy-values.yaml"),
        Map.of("config.application-id", "sampler-eu", "config.topics.spans", "spans_eu"));
    JsonNode scaledObject = manifests.get("ScaledObject", "tailstream");
    JsonNode trigger = scaledObject.at("/spec/triggers/0");

    assertThat(scaledObject.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("StatefulSet");
    assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText()).isEqualTo("tailstream");
    assertThat(trigger.path("type").asText()).isEqualTo("kafka");
    // A Kafka Streams application's consumer group is its application.id.
    assertThat(trigger.at("/metadata/consumerGroup").asText()).isEqualTo("sampler-eu");
    assertThat(trigger.at("/metadata/topic").asText()).isEqualTo("spans_eu");
    assertThat(trigger.at("/metadata/bootstrapServers").asText()).isEqualTo(HelmChart.BOOTSTRAP);
    assertThat(trigger.at("/metadata/lagThreshold").asText()).isEqualTo("50000");
    // KEDA owns the replica count; a fixed one would fight it on every upgrade.
    assertThat(manifests.statefulSet().at("/spec").has("replicas")).isFalse();
  }

  @Test
  void rejectsKedaMaximumAboveInputPartitions() throws URISyntaxException {
    Path valuesFile = Path.of(
        ChartRenderTest.class.getResource("/keda-beyond-partitions-values.yaml").toURI());

    assertThatThrownBy(() -> HelmChart.render(valuesFile))
        .hasMessageContaining("keda.maxReplicaCount (12) must not exceed kafka.inputPartitions"
            + " (6): each partition of otlp_spans is processed by one instance");
  }

  @Test
  void rejectsKedaWithoutInputPartitions() {
    assertThatThrownBy(() -> HelmChart.render(null,
        Map.of("kafka.bootstrapServers", HelmChart.BOOTSTRAP, "keda.enabled", "true")))
        .hasMessageContaining("keda.enabled needs kafka.inputPartitions");
  }

  @Test
  void rejectsUnknownValuesKey() {
    assertThatThrownBy(() -> HelmChart.render(null, Map.of(
        "kafka.bootstrapServers", HelmChart.BOOTSTRAP, "kafka.bootstrapServer", "typo:9092")))
        .hasMessageContaining("bootstrapServer");
  }

  @Test
  void rejectsSecretKafkaPropertyInTheConfigMap() {
    assertThatThrownBy(() -> HelmChart.render(null, Map.of(
        "kafka.bootstrapServers", HelmChart.BOOTSTRAP,
        "kafka.properties.sasl\\.jaas\\.config", "org.apache.kafka.common.security.plain")))
        .hasMessageContaining("kafka.properties.sasl.jaas.config is a secret and would land in"
            + " a ConfigMap: put it in kafka.secretProperties");
  }

  @Test
  void rejectsKafkaPropertyTheChartOwns() {
    assertThatThrownBy(() -> HelmChart.render(null, Map.of(
        "kafka.bootstrapServers", HelmChart.BOOTSTRAP,
        "kafka.properties.group\\.instance\\.id", "sampler")))
        .hasMessageContaining("kafka.properties.group.instance.id is set by the chart: use"
            + " kafka.staticMembership");
  }
}
