package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypes;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Parses, type-checks and plans {@code when} expressions against the rule variables. */
final class WhenCompiler {

  /** CEL appends this to undeclared references; with no container it only adds noise. */
  private static final String EMPTY_CONTAINER_SUFFIX = " (in container '')";

  // The planner runtime resolves custom StructValues and evaluates lazily resolved variables;
  // the legacy runtime supports neither. A Cel instance is immutable and thread-safe.
  private static final Cel CEL =
      CelFactory.plannerCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .setTypeProvider(TraceTypes.PROVIDER)
          .addVar("trace", TraceTypes.TRACE)
          .addVar("root", TraceTypes.SPAN)
          .addVar("spans", TraceTypes.SPAN_LIST)
          .build();

  private WhenCompiler() {}

  /** The CEL environment every rule expression is compiled in: the rule variables and macros. */
  static Cel cel() {
    return CEL;
  }

  /**
   * A problem in an expression.
   *
   * @param line 1-based line within the expression
   * @param column 0-based code point column within the line
   * @param message CEL's message
   */
  record Issue(int line, int column, String message) {}

  /**
   * A compiled expression: a program and the type-checked expression it was planned from, or the
   * issues that prevented them.
   */
  record Compiled(Program program, CelAbstractSyntaxTree ast, List<Issue> issues) {
    Compiled {
      issues = List.copyOf(issues);
      if ((program == null) == issues.isEmpty() || (program == null) != (ast == null)) {
        throw new IllegalArgumentException("either a program and its AST, or issues");
      }
    }

    static Compiled failed(Issue issue) {
      return new Compiled(null, null, List.of(issue));
    }
  }

  static Compiled compile(String expression) {
    return compile(expression, CelKind.BOOL,
        type -> "'when' must be a bool expression, but it is " + CelTypes.format(type));
  }

  /**
   * Compiles an expression of the rule language whose result must be of kind {@code expected}.
   *
   * @param wrongType the message for an expression of another type, given that type
   */
  static Compiled compile(
      String expression, CelKind expected, Function<CelType, String> wrongType) {
    requireNonNull(expression, "expression");
    CelValidationResult result = CEL.compile(expression);
    if (result.hasError()) {
      return failed(result.getErrors());
    }
    CelAbstractSyntaxTree ast;
    try {
      ast = result.getAst();
    } catch (CelValidationException e) {
      return failed(e.getErrors());
    }
    CelType type = ast.getResultType();
    if (type.kind() != expected) {
      return Compiled.failed(new Issue(1, 0, wrongType.apply(type)));
    }
    try {
      return new Compiled(CEL.createProgram(ast), ast, List.of());
    } catch (CelEvaluationException e) {
      return Compiled.failed(new Issue(1, 0, e.getMessage()));
    }
  }

  private static Compiled failed(List<CelIssue> celIssues) {
    List<Issue> issues = new ArrayList<>(celIssues.size());
    for (CelIssue celIssue : celIssues) {
      String message = celIssue.getMessage();
      if (message.endsWith(EMPTY_CONTAINER_SUFFIX)) {
        message = message.substring(0, message.length() - EMPTY_CONTAINER_SUFFIX.length());
      }
      issues.add(
          new Issue(
              celIssue.getSourceLocation().getLine(),
              celIssue.getSourceLocation().getColumn(),
              message));
    }
    if (issues.isEmpty()) {
      issues.add(new Issue(1, 0, "the expression does not compile"));
    }
    return new Compiled(null, null, issues);
  }
}
