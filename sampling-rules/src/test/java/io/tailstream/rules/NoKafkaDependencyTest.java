package io.tailstream.rules;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Rules must run without a broker, in SREs' rule tests and the CLI, so this module must not
 * depend on Kafka.
 */
class NoKafkaDependencyTest {

  private static final JavaClasses RULES_CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tailstream.rules");

  @Test
  void noClassDependsOnKafka() {
    assertThat(RULES_CLASSES).isNotEmpty();

    noDependencyOn("org.apache.kafka..").check(RULES_CLASSES);
  }

  @Test
  void theRuleDetectsADependency() {
    // The same rule, aimed at a library the module does use, must find violations.
    assertThat(noDependencyOn("org.yaml.snakeyaml..").evaluate(RULES_CLASSES).hasViolation())
        .isTrue();
  }

  private static ArchRule noDependencyOn(String packages) {
    return noClasses()
        .that()
        .resideInAPackage("io.tailstream.rules..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(packages)
        .because("sampling-rules works on a TraceView, without a broker");
  }
}
