package io.tailstream.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** values.schema.json closes every object, and the chart's README lists every value. */
class ValuesSchemaTest {
  /** Kubernetes types passed through unchanged; everything else is closed. */
  private static final List<String> PASS_THROUGH = List.of(
      "/properties/affinity/properties/nodeAffinity",
      "/properties/affinity/properties/podAffinity",
      "/properties/affinity/properties/podAntiAffinity");

  @Test
  void everyObjectLevelForbidsUnknownKeys() throws IOException {
    JsonNode schema = new ObjectMapper().readTree(
        HelmChart.DIR.resolve("values.schema.json").toFile());
    List<String> open = new ArrayList<>();
    List<String> passThrough = new ArrayList<>();

    walk(schema, "", open, passThrough);

    assertThat(open).as("objects without additionalProperties: false or a value schema")
        .isEmpty();
    assertThat(passThrough).containsExactlyInAnyOrderElementsOf(PASS_THROUGH);
  }

  private static void walk(JsonNode node, String path, List<String> open,
      List<String> passThrough) {
    if (!node.isObject()) {
      return;
    }
    if (isObjectType(node.path("type"))) {
      JsonNode additional = node.path("additionalProperties");
      if (additional.isBoolean() && additional.asBoolean()) {
        passThrough.add(path);
      } else if (additional.isMissingNode()) {
        open.add(path);
      }
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      walk(field.getValue(), path + "/" + field.getKey(), open, passThrough);
    }
  }

  private static boolean isObjectType(JsonNode type) {
    if (type.isTextual()) {
      return type.asText().equals("object");
    }
    for (JsonNode t : type) {
      if (t.asText().equals("object")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void chartReadmeListsEveryValue() throws IOException {
    String readme = Files.readString(HelmChart.DIR.resolve("README.md"));
    TreeSet<String> keys = new TreeSet<>();
    leafKeys(HelmChart.defaultValues(), "", keys);

    assertThat(keys).hasSizeGreaterThan(50);
    assertThat(keys).allSatisfy(key -> assertThat(readme).contains("`" + key + "`"));
  }

  /** Dotted paths of every scalar, list and empty map in the values. */
  private static void leafKeys(JsonNode node, String prefix, TreeSet<String> keys) {
    if (node.isObject() && node.size() > 0) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        leafKeys(field.getValue(),
            prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), keys);
      }
    } else {
      keys.add(prefix);
    }
  }
}
