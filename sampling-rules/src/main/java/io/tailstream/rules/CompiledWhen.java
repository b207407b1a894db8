package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.Program;

/**
 * A rule's compiled {@code when}: CEL's program and, for the expressions {@link
 * WhenPredicateCompiler} recognises, the same expression as a Java predicate, which is evaluated
 * instead. Where the predicate reports a failure, CEL evaluates the expression again, so that a
 * failure is always CEL's own exception, with its message, for the counters, the log and {@code
 * rules explain}. Failing expressions therefore cost as much as they did with CEL alone.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
final class CompiledWhen {

  private final Program program;
  private final WhenPredicate predicate;

  private CompiledWhen(Program program, WhenPredicate predicate) {
    this.program = requireNonNull(program, "program");
    this.predicate = predicate;
  }

  /**
   * Compiles the expression to Java where it can.
   *
   * @param program CEL's program for {@code ast}
   * @param ast the type-checked expression, of type bool
   */
  static CompiledWhen of(Program program, CelAbstractSyntaxTree ast) {
    return new CompiledWhen(
        program, WhenPredicateCompiler.compile(WhenCompiler.cel(), ast).orElse(null));
  }

  /** An expression that CEL alone evaluates, as every expression was before the predicates. */
  // Visible for testing
  static CompiledWhen celOnly(Program program) {
    return new CompiledWhen(program, null);
  }

  /**
   * Evaluates the expression as CEL does.
   *
   * @return CEL's result, a {@link Boolean} since the expression is of type bool
   * @throws CelEvaluationException as CEL throws it, for example for a missing map key
   */
  Object eval(TraceVariables variables) throws CelEvaluationException {
    if (predicate != null) {
      switch (predicate.test(variables, null)) {
        case TRUE:
          return Boolean.TRUE;
        case FALSE:
          return Boolean.FALSE;
        default:
          // CEL fails too; let it, for its exception.
          break;
      }
    }
    return program.eval(variables);
  }

  /** CEL's program for the expression. */
  Program program() {
    return program;
  }

  /** Whether (a part of) the expression is evaluated in Java rather than by CEL. */
  boolean isCompiledToJava() {
    return predicate != null;
  }

  // Visible for testing
  WhenPredicate predicate() {
    return predicate;
  }

  @Override
  public String toString() {
    return predicate != null ? "java " + predicate : "cel";
  }
}
