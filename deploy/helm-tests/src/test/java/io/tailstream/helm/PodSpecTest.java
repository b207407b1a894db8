package io.tailstream.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The StatefulSet's pod: probes, security, volumes, memory and restart annotations. */
class PodSpecTest {
  /** Where the app's HTTP endpoints are declared; the probes must name paths it serves. */
  private static final Path ADMIN_SERVER = HelmChart.DIR.resolve(
      "../../../topology/src/main/java/io/tailstream/http/AdminServer.java").normalize();
  private static final Pattern CONTEXT = Pattern.compile("createContext\\(\"([^\"]+)\"");
  private static final Pattern MAX_RAM = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)");

  static List<Path> ciValuesFiles() {
    return HelmChart.ciValuesFiles();
  }

  @Test
  void probesUseThePathsTheAppServes() throws IOException {
    Set<String> served = new LinkedHashSet<>();
    Matcher m = CONTEXT.matcher(Files.readString(ADMIN_SERVER));
    while (m.find()) {
      served.add(m.group(1));
    }
    JsonNode container = HelmChart.renderDefaults().container();

    // Liveness must not depend on the brokers (/readyz does): a broker outage must not restart
    // every pod.
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(served).as("paths in %s", ADMIN_SERVER).contains("/healthz", "/readyz");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(container.at("/" + probe + "/httpGet/port").asText()).isEqualTo("http");
    }
    assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
  }

  @Test
  void startupProbeAllowsTenMinutesByDefault() {
    JsonNode probe = HelmChart.renderDefaults().container().path("startupProbe");

    assertThat(probe.path("periodSeconds").asInt() * probe.path("failureThreshold").asInt())
        .isEqualTo(600);
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void runsAsNonRootWithReadOnlyRootAndNoCapabilities(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);
    JsonNode pod = manifests.podSpec().path("securityContext");
    JsonNode container = manifests.container().path("securityContext");

    assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    assertThat(container.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.path("allowPrivilegeEscalation").isBoolean()).isTrue();
    assertThat(container.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/capabilities/drop"))
        .extracting(JsonNode::asText).containsExactly("ALL");
    assertThat(container.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    assertThat(manifests.podSpec().path("automountServiceAccountToken").asBoolean(true))
        .isFalse();
  }

  @Test
  void disablesServiceLinksBecauseTheAppRejectsUnknownTailstreamVariables() {
    // A Service named "tailstream" would otherwise inject TAILSTREAM_SERVICE_HOST etc.
    JsonNode pod = HelmChart.renderDefaults().podSpec();

    assertThat(pod.path("enableServiceLinks").isBoolean()).isTrue();
    assertThat(pod.path("enableServiceLinks").asBoolean()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void givesRocksDbWritableStateAndTmp(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);
    ObjectNode values = HelmChart.values(valuesFile);

    assertThat(manifests.volume("tmp").has("emptyDir")).isTrue();
    assertThat(manifests.volumeMount("tmp").path("mountPath").asText()).isEqualTo("/tmp");
    assertThat(manifests.volumeMount("tmp").path("readOnly").asBoolean()).isFalse();
    assertThat(manifests.environment().get("TAILSTREAM_OPTS"))
        .contains("-Djava.io.tmpdir=/tmp");
    JsonNode state = manifests.volumeMount("state");
    assertThat(state.path("mountPath").asText()).isEqualTo(values.at("/state/dir").asText());
    assertThat(state.path("readOnly").asBoolean()).isFalse();
    if (values.at("/state/persistence/enabled").asBoolean()) {
      assertThat(manifests.statefulSet().at("/spec/volumeClaimTemplates/0/metadata/name")
          .asText()).isEqualTo("state");
    }
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void mountsTheRulesConfigMapAsADirectoryWithoutSubPath(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);

    assertThat(manifests.volume("rules").at("/configMap/name").asText())
        .isEqualTo("tailstream-rules");
    assertThat(manifests.volumeMount("rules").path("mountPath").asText())
        .isEqualTo("/etc/tailstream/rules");
    List<String> subPathMounts = new ArrayList<>();
    for (JsonNode mount : manifests.container().path("volumeMounts")) {
      if (mount.has("subPath") || mount.has("subPathExpr")) {
        subPathMounts.add(mount.path("name").asText());
      }
    }
    assertThat(subPathMounts).as("a subPath mount never sees ConfigMap updates").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void annotatesOnlyTheAppConfigChecksum(Path valuesFile) {
    JsonNode annotations =
        HelmChart.render(valuesFile).statefulSet().at("/spec/template/metadata/annotations");
    List<String> checksums = new ArrayList<>();
    annotations.fieldNames().forEachRemaining(name -> {
      if (name.startsWith("checksum/")) {
        checksums.add(name);
      }
    });

    assertThat(checksums).containsExactly("checksum/config");
  }

  @Test
  void changingTheRulesLeavesTheStatefulSetAsItIs() {
    Map<String, String> before = Map.of("kafka.bootstrapServers", HelmChart.BOOTSTRAP);
    Map<String, String> after = Map.of("kafka.bootstrapServers", HelmChart.BOOTSTRAP,
        "rules.active", "rules:\n  - name: keep-all\n    action: keep\n",
        "rules.candidate", "rules:\n  - name: drop-all\n    action: drop\n");

    Manifests old = HelmChart.render(null, before);
    Manifests changed = HelmChart.render(null, after);

    assertThat(changed.configMapData("tailstream-rules", "rules.yaml"))
        .isNotEqualTo(old.configMapData("tailstream-rules", "rules.yaml"));
    assertThat(changed.statefulSet()).isEqualTo(old.statefulSet());
    assertThat(changed.appConfig()).isEqualTo(old.appConfig());
  }

  @Test
  void changingTheAppConfigRollsThePods() {
    String checksum = "/spec/template/metadata/annotations/checksum~1config";
    Manifests old = HelmChart.renderDefaults();
    Manifests changed = HelmChart.render(null, Map.of(
        "kafka.bootstrapServers", HelmChart.BOOTSTRAP, "config.decision.wait", "20s"));

    assertThat(changed.statefulSet().at(checksum).asText()).hasSize(64)
        .isNotEqualTo(old.statefulSet().at(checksum).asText());
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void sizesMemoryFromHeapPlusRocksDbPlusOverhead(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);
    ObjectNode values = HelmChart.values(valuesFile);
    int heap = values.at("/jvm/heapMiB").asInt();
    int rocksDb = values.at("/state/rocksdbMemoryMiB").asInt();
    int overhead = values.at("/jvm/overheadMiB").asInt();
    int limit = heap + rocksDb + overhead;

    assertThat(manifests.container().at("/resources/limits/memory").asText())
        .isEqualTo(limit + "Mi");
    assertThat(manifests.container().at("/resources/requests/memory").asText())
        .isEqualTo(limit + "Mi");
    Matcher m = MAX_RAM.matcher(manifests.environment().get("TAILSTREAM_OPTS"));
    assertThat(m.find()).isTrue();
    double maxHeap = limit * Double.parseDouble(m.group(1)) / 100;
    // Rounded down to 0.1 %: never above the heap asked for, at most 0.1 % of the limit below.
    assertThat(maxHeap).isLessThanOrEqualTo(heap).isGreaterThan(heap - limit / 1000.0 - 0.01);
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void staticMembershipTakesTheInstanceIdFromThePodName(Path valuesFile) {
    Manifests manifests = HelmChart.render(valuesFile);
    boolean enabled = HelmChart.values(valuesFile).at("/kafka/staticMembership").asBoolean();
    JsonNode instanceId = null;
    for (JsonNode var : manifests.container().path("env")) {
      if (var.path("name").asText().equals("TAILSTREAM_KAFKA_PROPERTIES_GROUP_INSTANCE_ID")) {
        instanceId = var;
      }
    }

    if (enabled) {
      assertThat(instanceId).isNotNull();
      assertThat(instanceId.at("/valueFrom/fieldRef/fieldPath").asText())
          .isEqualTo("metadata.name");
    } else {
      assertThat(instanceId).isNull();
    }
  }
}
