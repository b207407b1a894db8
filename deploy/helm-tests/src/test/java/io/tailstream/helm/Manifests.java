package io.tailstream.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The Kubernetes objects of one {@code helm template} run, as JSON trees. */
final class Manifests {
  /** The pod name that fieldRef metadata.name resolves to in {@link #environment()}. */
  static final String POD_NAME = HelmChart.RELEASE + "-0";

  private static final YAMLMapper YAML = new YAMLMapper();

  private final List<JsonNode> objects;

  private Manifests(List<JsonNode> objects) {
    this.objects = List.copyOf(objects);
  }

  static Manifests parse(String rendered) {
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(rendered)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && doc.isObject() && doc.has("kind")) {
          objects.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("helm template printed invalid YAML:\n" + rendered, e);
    }
    return new Manifests(objects);
  }

  List<JsonNode> objects() {
    return objects;
  }

  List<String> kinds() {
    return objects.stream().map(o -> o.path("kind").asText()).collect(Collectors.toList());
  }

  List<JsonNode> ofKind(String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind))
        .collect(Collectors.toList());
  }

  Optional<JsonNode> find(String kind, String name) {
    return ofKind(kind).stream()
        .filter(o -> o.path("metadata").path("name").asText().equals(name))
        .findFirst();
  }

  JsonNode get(String kind, String name) {
    return find(kind, name).orElseThrow(() -> new AssertionError(
        "no " + kind + " named " + name + " among " + names()));
  }

  private List<String> names() {
    return objects.stream()
        .map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
        .collect(Collectors.toList());
  }

  JsonNode statefulSet() {
    return get("StatefulSet", HelmChart.RELEASE);
  }

  JsonNode podSpec() {
    return statefulSet().at("/spec/template/spec");
  }

  JsonNode container() {
    for (JsonNode c : podSpec().path("containers")) {
      if (c.path("name").asText().equals("tailstream")) {
        return c;
      }
    }
    throw new AssertionError("no container named tailstream");
  }

  /** The pod volume of that name. */
  JsonNode volume(String name) {
    for (JsonNode v : podSpec().path("volumes")) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    throw new AssertionError("no volume named " + name);
  }

  /** The container's mount of that volume. */
  JsonNode volumeMount(String volume) {
    for (JsonNode m : container().path("volumeMounts")) {
      if (m.path("name").asText().equals(volume)) {
        return m;
      }
    }
    throw new AssertionError("the container does not mount volume " + volume);
  }

  /** A key of a ConfigMap's data. */
  String configMapData(String configMap, String key) {
    JsonNode value = get("ConfigMap", configMap).path("data").path(key);
    if (!value.isTextual()) {
      throw new AssertionError("ConfigMap " + configMap + " has no key " + key);
    }
    return value.asText();
  }

  /** tailstream.yaml, the sampler's config file. */
  String appConfig() {
    return configMapData(HelmChart.RELEASE + "-config", "tailstream.yaml");
  }

  /**
   * The container's environment as the kubelet would set it: fieldRef metadata.name becomes
   * {@link #POD_NAME}, and a Secret key becomes the placeholder {@code <secret name/key>}.
   */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode var : container().path("env")) {
      String name = var.path("name").asText();
      JsonNode from = var.path("valueFrom");
      if (from.isMissingNode()) {
        env.put(name, var.path("value").asText());
      } else if (from.has("fieldRef")) {
        String field = from.at("/fieldRef/fieldPath").asText();
        if (!field.equals("metadata.name")) {
          throw new AssertionError("unexpected fieldRef " + field);
        }
        env.put(name, POD_NAME);
      } else if (from.has("secretKeyRef")) {
        env.put(name, secretPlaceholder(
            from.at("/secretKeyRef/name").asText(), from.at("/secretKeyRef/key").asText()));
      } else {
        throw new AssertionError("unexpected valueFrom " + from);
      }
    }
    return env;
  }

  static String secretPlaceholder(String secret, String key) {
    return "<secret " + secret + "/" + key + ">";
  }
}
