package io.tailstream.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.runtime.CelEvaluationException;
import io.tailstream.rules.WhenPredicate.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code when} predicates compiled to Java give exactly CEL's results: the same match, no
 * match or failure for every expression on every trace. Each expression is evaluated with its Java
 * predicate and with CEL alone ({@link CompiledWhen#celOnly}) on random traces ({@link
 * RandomTraces}), hand-written expressions for every recognised shape and its edge cases, and
 * randomly generated ones.
 */
class WhenPredicateCompilerTest {

  private static final long SEED = 20_240_611L;
  private static final List<RandomTraces.Described> TRACES = RandomTraces.generate(SEED, 150);

  /** Recognised whole: no part is left to CEL. */
  static Stream<String> compiledExpressions() {
    return Stream.of(
        // Counts and durations, against int, double and uint constants.
        "trace.error_count > 0",
        "trace.error_count >= 1",
        "trace.span_count > 1000",
        "trace.span_count == 3",
        "trace.span_count != 3",
        "trace.service_count <= 2",
        "0 < trace.error_count",
        "-1 < trace.span_count",
        "trace.span_count > 1 + 1",
        "trace.error_count > 0.5",
        "trace.span_count < 2u",
        "trace.span_count == trace.span_count",
        "trace.duration > duration(\"2s\")",
        "trace.duration >= duration(\"1m30s\")",
        "trace.duration == duration(\"0s\")",
        "trace.duration != duration(\"2s\")",
        "trace.duration > duration(\"1s\") + duration(\"500ms\")",
        "trace.duration < duration(\"87600000h\")",
        "trace.duration > duration(\"-87600000h\")",
        "root.duration > duration(\"500ms\")",
        "root.duration < trace.duration",
        // Strings and the other fields.
        "root.service == \"checkout\"",
        "root.name == \"POST /api/checkout\"",
        "root.name != \"\"",
        "root.kind == \"SERVER\"",
        "root.status == \"ERROR\"",
        "root.name < \"M\"",
        "\"M\" <= root.service",
        "trace.id == \"4bf92f3577b34da6a3ce929d0e0e4736\"",
        "trace.id > \"8\"",
        "trace.completion == \"idle\"",
        "trace.has_root",
        "!trace.has_root",
        "trace.has_root == false",
        "trace.has_root > false",
        "trace.start < timestamp(\"2023-11-14T22:13:21Z\")",
        "trace.start == timestamp(\"2023-11-14T22:13:20Z\")",
        "root.service in [\"checkout\", \"payments\"]",
        "root.name.startsWith(\"GET \")",
        "root.name.endsWith(\"/healthz\")",
        "root.name.contains(\"check\")",
        "trace.id.startsWith(\"4\")",
        // Attributes: every type against every type, and missing keys.
        "root.attributes[\"http.route\"] == \"/healthz\"",
        "root.attributes[\"http.route\"] != \"/healthz\"",
        "\"/healthz\" == root.attributes[\"http.route\"]",
        "root.attributes[\"http.route\"] in [\"/healthz\", \"/readyz\", \"/livez\"]",
        "\"http.route\" in root.attributes",
        "\"http.route\" in root.attributes"
            + " && root.attributes[\"http.route\"] in [\"/healthz\", \"/readyz\"]",
        "root.attributes[\"http.route\"] in [\"/healthz\"] && \"http.route\" in root.attributes",
        "root.attributes[\"k\"] == 1",
        "root.attributes[\"k\"] == 1.0",
        "root.attributes[\"k\"] == 1u",
        "root.attributes[\"k\"] == true",
        "root.attributes[\"k\"] == \"1\"",
        "root.attributes[\"k\"] == -0.0",
        "root.attributes[\"k\"] == 0",
        "root.attributes[\"k\"] != 500",
        "root.attributes[\"k\"] > 1",
        "root.attributes[\"k\"] >= 500",
        "root.attributes[\"k\"] < 500.5",
        "root.attributes[\"k\"] <= 1u",
        "root.attributes[\"k\"] > \"a\"",
        "root.attributes[\"k\"] < true",
        "root.attributes[\"k\"] >= false",
        "root.attributes[\"k\"] > -1",
        "root.attributes[\"k\"] > 9223372036854775807",
        "root.attributes[\"k\"] < -9223372036854775807",
        "root.attributes[\"k\"] < 18446744073709551615u",
        "root.attributes[\"k\"] >= 9223372036854775807u",
        "root.attributes[\"k\"] > 9.3e18",
        "root.attributes[\"k\"] < -9.3e18",
        "root.attributes[\"k\"] == double(\"NaN\")",
        "root.attributes[\"k\"] < double(\"NaN\")",
        "root.attributes[\"k\"] > double(\"NaN\")",
        "root.attributes[\"k\"] >= double(\"Infinity\")",
        "1 < root.attributes[\"k\"]",
        "1u >= root.attributes[\"k\"]",
        "0.5 > root.attributes[\"k\"]",
        "\"a\" <= root.attributes[\"k\"]",
        "root.attributes[\"k\"] in [1, 2.0, 3u]",
        "root.attributes[\"k\"] in [true, \"1\", 500]",
        "root.attributes[\"k\"] in [-0.0, double(\"NaN\")]",
        "root.attributes[\"k\"] in []",
        "root.attributes[\"k\"] == \"göld\"",
        "root.attributes[\"k\"] != \"göld\"",
        "root.attributes[\"k\"] in [\"gold\", \"göld\", \"\"]",
        "root.attributes[\"k\"] == \"" + "x".repeat(130) + "\"",
        "root.attributes[\"k\"] in [\"" + "x".repeat(130) + "\", \"a\"]",
        "\"k\" in root.attributes && \"b\" in root.attributes",
        "spans.exists(s, s.attributes[\"k\"] in [\"a\", \"göld\"])",
        "spans.exists(s, s.resource[\"deployment.environment\"] != \"prod\")",
        "root.attributes[\"k\"] == trace.error_count",
        "trace.error_count < root.attributes[\"k\"]",
        "root.attributes[\"k\"] == root.name",
        "root.attributes[\"k\"] < trace.duration",
        "root.attributes[\"k\"] == trace.has_root",
        "root.attributes[\"k\"] > 1 && root.attributes[\"k\"] < \"z\"",
        "root.attributes[\"k\"] > 1 || root.attributes[\"k\"] < \"z\"",
        "root.attributes[\"a\"] == \"a\" || root.attributes[\"b\"] == 1",
        "root.attributes[\"k\"].startsWith(\"/\")",
        "root.attributes[\"k\"].endsWith(\"1\")",
        "root.name.contains(root.service)",
        "root.name in root.attributes",
        "root.resource[\"deployment.environment\"] in [\"dev\", \"test\"]",
        "\"deployment.environment\" in root.resource"
            + " && root.resource[\"deployment.environment\"] == \"staging\"",
        "root.resource[\"service.name\"] == root.service",
        "root.resource[\"deployment.environment\"] > 0",
        // Failures inside && and ||, which absorb them as CEL does.
        "root.attributes[\"missing\"] == \"x\"",
        "root.attributes[\"missing\"] == \"x\" && false",
        "false && root.attributes[\"missing\"] == \"x\"",
        "root.attributes[\"missing\"] == \"x\" || true",
        "true || root.attributes[\"missing\"] == \"x\"",
        "root.attributes[\"missing\"] == \"x\" || false",
        "root.attributes[\"missing\"] == \"x\" && true",
        "!(root.attributes[\"missing\"] == \"x\")",
        "root.attributes[\"missing\"] == \"x\" && root.attributes[\"other\"] == 1",
        "root.attributes[\"missing\"] == \"x\" || root.attributes[\"other\"] == 1",
        "root.attributes[\"k\"] < 2 || trace.error_count > 0",
        "root.attributes[\"k\"] < 2 && trace.error_count > 0",
        // Macros over the spans.
        "spans.exists(s, s.attributes[\"sampling.priority\"] == 1)",
        "spans.exists(s, \"sampling.priority\" in s.attributes"
            + " && s.attributes[\"sampling.priority\"] == 1)",
        "spans.exists(s, s.kind == \"CLIENT\" && \"peer.service\" in s.attributes"
            + " && s.attributes[\"peer.service\"] == \"stripe\""
            + " && \"http.response.status_code\" in s.attributes"
            + " && s.attributes[\"http.response.status_code\"] >= 500)",
        "spans.exists(s, \"db.system\" in s.attributes && s.duration > duration(\"500ms\"))",
        "spans.exists(s, s.service == \"payments\" && s.status == \"ERROR\")",
        "spans.exists(s, s.attributes[\"k\"] > 1)",
        "spans.exists(s, s.attributes[\"k\"] > 1 || s.attributes[\"a\"] == \"a\")",
        "spans.all(s, s.status != \"ERROR\")",
        "spans.all(s, s.attributes[\"k\"] == 1)",
        "spans.all(s, s.attributes[\"k\"] != 1)",
        "spans.all(s, s.duration <= trace.duration)",
        "spans.exists(s, s.resource[\"deployment.environment\"] == \"prod\")",
        "spans.exists(root, root.name == \"charge\")",
        "spans.exists(trace, trace.name == \"charge\")",
        "spans.exists(s, s.name == root.name && s.service != root.service)",
        "spans.exists(s, s.attributes[\"k\"] in [1, \"a\"]) || trace.error_count > 0",
        "!spans.exists(s, s.kind == \"SERVER\")",
        "spans.exists(s, s.kind == \"SERVER\") && spans.all(s, s.kind != \"CLIENT\")",
        // Constants and combinations.
        "true",
        "false",
        "!false",
        "(trace.error_count > 0 || trace.duration > duration(\"2s\"))"
            + " && !(root.service == \"frontend\")",
        // Lists, maps and bytes in attributes.
        "root.attributes[\"k\"] == \"a\" && root.attributes[\"a\"] in [\"a\", 2]",
        "root.attributes[\"b\"] < 1",
        "root.attributes[\"b\"] == \"x\"",
        // The rules of the examples and of the benchmark.
        "root.name == \"POST /api/checkout\" && trace.duration > duration(\"1s\")",
        "\"user.tier\" in root.attributes && root.attributes[\"user.tier\"] == \"gold\""
            + " && trace.duration > duration(\"800ms\")",
        "root.service == \"frontend\" && \"http.route\" in root.attributes"
            + " && root.attributes[\"http.route\"] == \"/api/v3/legacy\"",
        "spans.exists(s, s.service == \"payments\" && s.name == \"GET /v2/export\""
            + " && s.duration > duration(\"220ms\"))");
  }

  /** Recognised in part: the rest of the expression is evaluated by CEL on its own. */
  static Stream<String> partlyCompiledExpressions() {
    return Stream.of(
        "\"user.tier\" in root.attributes"
            + " && string(root.attributes[\"user.tier\"]).startsWith(\"g\")",
        "trace.error_count > 0 || size(spans) > 3",
        "root.name.matches(\"^GET\") && trace.has_root",
        "spans.exists(s, s.name.matches(\"a\")) || trace.error_count > 0",
        "spans.exists(s, spans.exists(t, t.name == s.name)) && root.service == \"frontend\"",
        "has(root.name) && root.name == \"charge\"",
        "int(root.attributes[\"k\"]) > 1 || root.attributes[\"k\"] == 1",
        "root.attributes[\"a\"] == root.attributes[\"b\"] || trace.has_root",
        "(trace.error_count > 0 ? root.name : root.service) == \"checkout\""
            + " && trace.span_count > 1",
        "root.attributes[\"missing\"] == 1 && size(spans) > 100",
        "!(spans.exists_one(s, s.kind == \"SERVER\")) || root.attributes[\"k\"] == 1");
  }

  /** Not recognised at all: CEL evaluates them whole. */
  static Stream<String> celExpressions() {
    return Stream.of(
        "size(spans) > 2",
        "root.name.matches(\"^GET \")",
        "spans.exists_one(s, s.kind == \"SERVER\")",
        "spans.filter(s, s.kind == \"CLIENT\").size() > 1",
        "spans.map(s, s.service).exists(x, x == \"payments\")",
        "has(root.name)",
        "root.attributes == {}",
        "root.attributes.exists(k, k.startsWith(\"a\"))",
        "string(root.attributes[\"http.route\"]).startsWith(\"/\")",
        "spans.exists(s, s.name.matches(\"a\"))",
        "spans.exists(s, s.attributes[\"a\"] == s.attributes[\"b\"])",
        "spans.exists(s, spans.exists(t, t.name == s.name))",
        "root.attributes[\"a\"] == root.attributes[\"b\"]",
        "root.attributes[\"tags\"] == [\"a\", 2]",
        "spans[0].name == \"x\"",
        "trace.start.getHours(\"UTC\") < 6",
        "1 / (trace.span_count - 3) == 1",
        "trace.duration > duration(\"forever\")",
        "root.attributes[root.name] == 1",
        "dyn(root.attributes[\"k\"]) == dyn(1)");
  }

  static Stream<String> allExpressions() {
    return Stream.of(compiledExpressions(), partlyCompiledExpressions(), celExpressions())
        .flatMap(s -> s);
  }

  @Nested
  class Recognition {

    @ParameterizedTest
    @MethodSource("io.tailstream.rules.WhenPredicateCompilerTest#compiledExpressions")
    void compilesRecognisedShapesWholeToJava(String expression) {
      Optional<WhenPredicate> predicate = predicate(expression);

      assertThat(predicate).as(expression).isPresent();
      assertThat(predicate.get().hasCelParts()).as("%s has CEL parts", predicate.get()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("io.tailstream.rules.WhenPredicateCompilerTest#partlyCompiledExpressions")
    void leavesUnrecognisedPartsOutsideMacrosToCel(String expression) {
      Optional<WhenPredicate> predicate = predicate(expression);

      assertThat(predicate).as(expression).isPresent();
      assertThat(predicate.get().hasCelParts()).as("%s has CEL parts", predicate.get()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("io.tailstream.rules.WhenPredicateCompilerTest#celExpressions")
    void leavesUnrecognisedExpressionsToCel(String expression) {
      assertThat(predicate(expression)).as(expression).isEmpty();
    }

    @Test
    void compilesEveryExampleRuleWholeToJava() throws RuleValidationException {
      RuleSet rules = RuleSet.load(Path.of("examples/rules.yaml"));

      for (CompiledRule rule : rules.compiledRules()) {
        if (rule.when() != null) {
          assertThat(rule.when().isCompiledToJava()).as(rule.whenSource()).isTrue();
          assertThat(rule.when().predicate().hasCelParts()).as(rule.whenSource()).isFalse();
        }
      }
    }
  }

  @Nested
  class Differential {

    @ParameterizedTest
    @MethodSource("io.tailstream.rules.WhenPredicateCompilerTest#allExpressions")
    void agreesWithCelOnRandomTraces(String expression) {
      assertAgreesWithCel(expression);
    }

    @Test
    void agreesWithCelOnRandomExpressions() {
      Random random = new Random(SEED);
      int compiled = 0;
      int checked = 0;
      for (int i = 0; i < 250; i++) {
        String expression = new ExpressionGenerator(random).condition(null, 3);
        if (WhenCompiler.compile(expression).program() == null) {
          continue; // a type error, such as an int compared with a string
        }
        checked++;
        if (assertAgreesWithCel(expression)) {
          compiled++;
        }
      }
      // The generator writes mostly valid, recognised shapes; if few are, it tests too little.
      assertThat(checked).isGreaterThan(200);
      assertThat(compiled).isGreaterThan(150);
    }

    @Test
    void agreesWithCelWhenRulesShareTheTraceVariables() {
      // A rule set evaluates all its rules with one TraceVariables, some in Java, some by CEL.
      List<CompiledWhen> whens =
          allExpressions().map(WhenCompiler::compile)
              .map(compiled -> CompiledWhen.of(compiled.program(), compiled.ast()))
              .toList();
      for (RandomTraces.Described trace : TRACES) {
        TraceVariables shared = new TraceVariables(trace.view());
        for (CompiledWhen when : whens) {
          Result expected = Outcome.of(CompiledWhen.celOnly(when.program()), shared).result();
          if (when.isCompiledToJava()) {
            assertThat(when.predicate().test(shared, null))
                .as("%s on %s", when, trace)
                .isEqualTo(expected);
          }
        }
      }
    }

    @Test
    void reportsCelsOwnFailureForACompiledRule() {
      RuleSet rules = RuleSetEvaluationTest.matching("root.attributes['nope'] == 'x'");
      List<Exception> failures = new ArrayList<>();
      rules.onEvaluationFailure((rule, failure) -> failures.add(failure));

      Decision decision = rules.evaluate(TRACES.get(0).view());

      assertThat(rules.compiledRules().get(0).when().isCompiledToJava()).isTrue();
      assertThat(decision.rule()).isEqualTo("default");
      assertThat(rules.evaluationFailures("match")).isEqualTo(1);
      assertThat(failures).singleElement().isInstanceOf(CelEvaluationException.class);
      assertThat(failures.get(0)).hasMessageContaining("nope");
    }
  }

  /**
   * Asserts that the predicate of {@code expression}, if it has one, and the compiled {@code
   * when}, which falls back to CEL, both give CEL's result on every trace.
   *
   * @return whether the expression has a predicate
   */
  private static boolean assertAgreesWithCel(String expression) {
    WhenCompiler.Compiled compiled = WhenCompiler.compile(expression);
    assertThat(compiled.issues()).as(expression).isEmpty();
    CompiledWhen cel = CompiledWhen.celOnly(compiled.program());
    CompiledWhen when = CompiledWhen.of(compiled.program(), compiled.ast());
    WhenPredicate predicate = when.predicate();
    for (RandomTraces.Described trace : TRACES) {
      Outcome expected = Outcome.of(cel, new TraceVariables(trace.view()));
      if (predicate != null) {
        Result actual = predicate.test(new TraceVariables(trace.view()), null);
        assertThat(actual)
            .as("%s, compiled as %s, on %s", expression, predicate, trace)
            .isEqualTo(expected.result);
      }
      Outcome evaluated = Outcome.of(when, new TraceVariables(trace.view()));
      assertThat(evaluated)
          .as("%s evaluated by %s on %s", expression, when, trace)
          .isEqualTo(expected);
    }
    return predicate != null;
  }

  /** What CEL alone gives for a {@code when} on a trace: true, false, or a failure. */
  static Result celResult(CompiledWhen celOnly, TraceView trace) {
    return Outcome.of(celOnly, new TraceVariables(trace)).result();
  }

  private static Optional<WhenPredicate> predicate(String expression) {
    CelValidationResult result = WhenCompiler.cel().compile(expression);
    assertThat(result.hasError()).as("%s: %s", expression, result.getAllIssues()).isFalse();
    try {
      return WhenPredicateCompiler.compile(WhenCompiler.cel(), result.getAst());
    } catch (CelValidationException e) {
      throw new AssertionError(e);
    }
  }

  /** What evaluating a {@code when} gave: its result, and CEL's message if it failed. */
  private record Outcome(Result result, String failure) {
    static Outcome of(CompiledWhen when, TraceVariables variables) {
      Object value;
      try {
        value = when.eval(variables);
      } catch (CelEvaluationException | RuntimeException e) {
        return new Outcome(Result.ERROR, e.getClass().getName() + ": " + e.getMessage());
      }
      assertThat(value).isInstanceOf(Boolean.class);
      return new Outcome(Result.of((Boolean) value), null);
    }
  }

  /**
   * Writes random {@code when} expressions: comparisons and tests of the recognised shapes with
   * operands of every type, a few shapes left to CEL, combined with {@code &&}, {@code ||},
   * {@code !} and the {@code spans} macros. Most of them type-check.
   */
  private static final class ExpressionGenerator {
    private static final List<String> RELATIONS = List.of("==", "!=", "<", "<=", ">", ">=");
    private static final List<String> LITERALS =
        List.of(
            "0", "1", "-1", "500", "9223372036854775807", "1u", "0u", "1.0", "500.5", "-0.0",
            "double(\"NaN\")", "\"a\"", "\"1\"", "\"/healthz\"", "\"gold\"", "\"\"", "true",
            "false");
    private static final List<String> DURATIONS =
        List.of("duration(\"0s\")", "duration(\"500ms\")", "duration(\"2s\")",
            "duration(\"-1s\")");

    private final Random random;

    ExpressionGenerator(Random random) {
      this.random = random;
    }

    /**
     * A bool expression.
     *
     * @param span the macro's span variable, or null outside a macro
     */
    String condition(String span, int depth) {
      int choice = random.nextInt(depth > 0 ? 10 : 6);
      switch (choice) {
        case 6:
          return condition(span, depth - 1) + " && " + condition(span, depth - 1);
        case 7:
          return "(" + condition(span, depth - 1) + " || " + condition(span, depth - 1) + ")";
        case 8:
          return "!(" + condition(span, depth - 1) + ")";
        case 9:
          if (span == null) {
            return "spans." + (random.nextBoolean() ? "exists" : "all") + "(s, "
                + condition("s", depth - 1) + ")";
          }
          return condition(span, depth - 1);
        default:
          return atom(span);
      }
    }

    private String atom(String span) {
      String source = span != null && random.nextBoolean() ? span : "root";
      String key = "\"" + pick(RandomTraces.KEYS) + "\"";
      String attribute = source + (random.nextInt(6) == 0 ? ".resource[" : ".attributes[")
          + key + "]";
      switch (random.nextInt(14)) {
        case 0:
          return "trace." + pick(List.of("span_count", "error_count", "service_count")) + " "
              + pick(RELATIONS) + " " + pick(List.of("0", "1", "3", "2.5", "1u", "-1"));
        case 1:
          return pick(List.of("trace.duration", source + ".duration")) + " " + pick(RELATIONS)
              + " " + pick(DURATIONS);
        case 2:
          return source + "." + pick(List.of("service", "name", "kind", "status")) + " "
              + pick(RELATIONS) + " \"" + pick(RandomTraces.SERVICES.subList(0, 3)) + "\"";
        case 3:
        case 4:
          return attribute + " " + pick(RELATIONS) + " " + pick(LITERALS);
        case 5:
          return pick(LITERALS) + " " + pick(RELATIONS) + " " + attribute;
        case 6:
          return attribute + " in " + pick(List.of("[\"a\", \"/healthz\"]", "[1, 2.0, 500u]",
              "[true, \"1\"]", "[]", "[-0.0]"));
        case 7:
          return key + " in " + source + (random.nextBoolean() ? ".attributes" : ".resource");
        case 8:
          return pick(List.of(source + ".name", attribute)) + "."
              + pick(List.of("startsWith", "endsWith", "contains")) + "(\""
              + pick(List.of("a", "/", "GET", "")) + "\")";
        case 9:
          return pick(List.of("trace.has_root", "true", "false", "trace.completion == \"idle\"",
              "trace.start < timestamp(\"2023-11-14T22:13:20.5Z\")"));
        case 10:
          return attribute + " " + pick(RELATIONS) + " "
              + pick(List.of("trace.error_count", source + ".name", source + ".duration"));
        case 11:
          return source + ".name in [\"charge\", \"GET /healthz\"]";
        case 12:
          // Left to CEL: on its own outside a macro, with the whole macro inside one.
          return pick(List.of("size(spans) > 2", "root.name.matches(\"^GET\")",
              "has(" + source + ".name)", "int(" + attribute + ") > 1"));
        default:
          return attribute + " " + pick(RELATIONS) + " " + pick(DURATIONS);
      }
    }

    private <T> T pick(List<T> values) {
      return values.get(random.nextInt(values.size()));
    }
  }
}
