package io.tailstream.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code helm lint --strict}: templates render, values match the schema, no warnings. */
class ChartLintTest {
  @TempDir Path scratch;

  static List<Path> ciValuesFiles() {
    return HelmChart.ciValuesFiles();
  }

  @Test
  void lintsDefaultValuesWithBootstrapServers() {
    ObjectNode values = HelmChart.defaultValues();
    values.withObjectProperty("kafka").put("bootstrapServers", HelmChart.BOOTSTRAP);

    assertLintClean(HelmChart.lint(values, scratch));
  }

  @ParameterizedTest
  @MethodSource("ciValuesFiles")
  void lintsCiValuesFile(Path valuesFile) {
    assertLintClean(HelmChart.lint(HelmChart.values(valuesFile), scratch));
  }

  @Test
  void lintRejectsValuesOutsideTheSchema() {
    // Helm lints in "lint mode", where the chart's own fail checks only log; the schema still
    // applies, which is what keeps the ci values files honest.
    ObjectNode values = HelmChart.defaultValues();
    values.withObjectProperty("kafka").put("bootstrapServers", HelmChart.BOOTSTRAP);
    values.withObjectProperty("kafka").put("bootstrapServer", "typo:9092");

    LintResult result = HelmChart.lint(values, scratch);

    assertThat(result.isFailed()).as("%s", result.getMessages()).isTrue();
    assertThat(String.join("\n", result.getMessages())).contains("bootstrapServer");
  }

  private static void assertLintClean(LintResult result) {
    // Helm reports only "icon is recommended" at INFO for this chart; anything louder fails.
    List<String> problems = result.getMessages().stream()
        .filter(m -> !m.startsWith("[INFO]"))
        .collect(Collectors.toList());
    assertThat(problems).isEmpty();
    assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
  }
}
