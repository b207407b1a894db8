package io.tailstream.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The chart in {@code deploy/helm/tailstream}, rendered and linted by the Helm library that
 * helm-java bundles, so no helm binary and no cluster are needed.
 */
final class HelmChart {
  /** The release name; the chart's full name is then just "tailstream". */
  static final String RELEASE = "tailstream";
  static final String NAMESPACE = "observability";
  /** Brokers for renders that only need some: the chart refuses to render without them. */
  static final String BOOTSTRAP = "kafka-bootstrap.kafka:9092";
  /** Renders target this Kubernetes version; helm-java's default is older than the chart allows. */
  static final String KUBE_VERSION = "1.31.0";

  static final Path DIR = Path.of(System.getProperty("tailstream.chart.dir", "../helm/tailstream"))
      .toAbsolutePath().normalize();

  private static final YAMLMapper YAML = new YAMLMapper();

  private HelmChart() {}

  /** The chart's test value sets, {@code ci/*-values.yaml}, sorted by name. */
  static List<Path> ciValuesFiles() {
    try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
      return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml"))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Renders the chart with {@code helm template}.
   *
   * @param valuesFile a values file over the chart's defaults, or null for none
   * @param sets {@code --set} overrides, applied last
   * @throws IllegalStateException with Helm's message if the chart does not render
   */
  static Manifests render(Path valuesFile, Map<String, String> sets) {
    TemplateCommand template = new Helm(DIR).template()
        .withName(RELEASE)
        .withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION);
    if (valuesFile != null) {
      template = template.withValuesFile(valuesFile);
    }
    for (Map.Entry<String, String> set : sets.entrySet()) {
      template = template.set(set.getKey(), set.getValue());
    }
    return Manifests.parse(template.call());
  }

  /**
   * The NOTES.txt that {@code helm install} prints, from a client-only dry run (no cluster).
   *
   * @throws IllegalStateException with Helm's message if the chart does not render
   */
  static String installNotes(Map<String, String> sets) {
    InstallCommand install = new Helm(DIR).install()
        .withName(RELEASE)
        .withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION)
        .clientOnly()
        .withDryRunOption(DryRun.CLIENT);
    for (Map.Entry<String, String> set : sets.entrySet()) {
      install = install.set(set.getKey(), set.getValue());
    }
    return install.call().getOutput();
  }

  /** Renders a ci values file as it is. */
  static Manifests render(Path valuesFile) {
    return render(valuesFile, Map.of());
  }

  /** Renders the chart's defaults plus the one value they lack, the brokers. */
  static Manifests renderDefaults() {
    return render(null, Map.of("kafka.bootstrapServers", BOOTSTRAP));
  }

  /**
   * Runs {@code helm lint --strict} on the chart with {@code values} as its values.yaml.
   * helm-java's lint takes no values files, so this lints a copy of the chart whose values.yaml
   * is replaced by the merged values.
   */
  static LintResult lint(JsonNode values, Path scratch) {
    try {
      Path copy = scratch.resolve("tailstream");
      copyTree(DIR, copy);
      YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
      return new Helm(copy).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The chart's values.yaml. */
  static ObjectNode defaultValues() {
    return readValues(DIR.resolve("values.yaml"));
  }

  /** The chart's defaults with a values file merged over them, as Helm merges them. */
  static ObjectNode values(Path valuesFile) {
    ObjectNode values = defaultValues();
    if (valuesFile != null) {
      merge(values, readValues(valuesFile));
    }
    return values;
  }

  static ObjectNode readValues(Path file) {
    try {
      JsonNode node = YAML.readTree(file.toFile());
      return node instanceof ObjectNode ? (ObjectNode) node : YAML.createObjectNode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Helm's coalescing: maps merge key by key, anything else is replaced. */
  static void merge(ObjectNode target, ObjectNode overlay) {
    for (Map.Entry<String, JsonNode> field : overlay.properties()) {
      JsonNode existing = target.get(field.getKey());
      if (existing instanceof ObjectNode && field.getValue() instanceof ObjectNode) {
        merge((ObjectNode) existing, (ObjectNode) field.getValue());
      } else {
        target.set(field.getKey(), field.getValue().deepCopy());
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
