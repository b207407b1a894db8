package io.tailstream.rules;

import com.google.common.primitives.UnsignedLong;
import dev.cel.bundle.Cel;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.Operator;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelExpr.CelCall;
import dev.cel.common.ast.CelExpr.CelComprehension;
import dev.cel.common.ast.CelExpr.CelSelect;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelKind;
import dev.cel.runtime.CelEvaluationException;
import io.tailstream.rules.CelComparisons.Relation;
import io.tailstream.rules.WhenOperand.LongOperand;
import io.tailstream.rules.WhenOperand.SpanSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Compiles the common shapes of {@code when} expressions into {@link WhenPredicate}s, which read
 * only the fields and attributes they compare and skip CEL's interpreter. It works on the
 * type-checked AST, so it knows each sub-expression's type, and recognises:
 *
 * <ul>
 *   <li>{@code &&}, {@code ||}, {@code !} and the constants {@code true} and {@code false};
 *   <li>{@code ==}, {@code !=}, {@code <}, {@code <=}, {@code >} and {@code >=} between operands,
 *       not both attributes;
 *   <li>{@code operand in [constants]}, and {@code key in span.attributes} (or {@code resource})
 *       for a string key;
 *   <li>{@code startsWith}, {@code endsWith} and {@code contains} with a string argument;
 *   <li>{@code trace.has_root} as a condition;
 *   <li>{@code spans.exists(s, ...)} and {@code spans.all(s, ...)} of the shapes above, with no
 *       macro inside.
 * </ul>
 *
 * Operands are the fields of {@code trace}, the scalar fields of {@code root} and of the span of
 * the macro, {@code span.attributes["key"]} and {@code span.resource["key"]}, and sub-expressions
 * that read no variable, such as {@code duration("2s")}, {@code -1} or {@code ["a", "b"]}, which
 * CEL evaluates once, here.
 *
 * <p>Outside the macros, any other operand of {@code &&}, {@code ||} and {@code !} is evaluated by
 * CEL on its own, so that {@code "k" in root.attributes && int(root.attributes["k"]) > 5} still
 * has its cheap guard compiled. An expression of which no part is recognised is not compiled at
 * all: CEL evaluates it whole.
 */
final class WhenPredicateCompiler {

  private static final String TRACE = "trace";
  private static final String ROOT = "root";
  private static final String SPANS = "spans";
  private static final String ATTRIBUTES = "attributes";
  private static final String RESOURCE = "resource";

  private static final Map<String, Relation> RELATIONS =
      Map.of(
          Operator.EQUALS.getFunction(), Relation.EQUALS,
          Operator.NOT_EQUALS.getFunction(), Relation.NOT_EQUALS,
          Operator.LESS.getFunction(), Relation.LESS,
          Operator.LESS_EQUALS.getFunction(), Relation.LESS_EQUALS,
          Operator.GREATER.getFunction(), Relation.GREATER,
          Operator.GREATER_EQUALS.getFunction(), Relation.GREATER_EQUALS);

  private static final Map<String, BiPredicate<String, String>> STRING_FUNCTIONS =
      Map.of(
          "startsWith", String::startsWith,
          "endsWith", String::endsWith,
          "contains", String::contains);

  /** The types whose values {@link CelComparisons} handles, besides {@code dyn} attributes. */
  private static final Set<CelKind> SCALAR_KINDS =
      EnumSet.of(
          CelKind.INT,
          CelKind.UINT,
          CelKind.DOUBLE,
          CelKind.STRING,
          CelKind.BOOL,
          CelKind.DURATION,
          CelKind.TIMESTAMP);

  /** The runtime classes of the constants it accepts: CEL's forms of the scalar kinds. */
  private static final Set<Class<?>> CONSTANT_CLASSES =
      Set.of(
          Long.class,
          UnsignedLong.class,
          Double.class,
          String.class,
          Boolean.class,
          Duration.class,
          Instant.class);

  private final Cel cel;
  private final CelAbstractSyntaxTree ast;
  private int compiledParts;

  private WhenPredicateCompiler(Cel cel, CelAbstractSyntaxTree ast) {
    this.cel = cel;
    this.ast = ast;
  }

  /**
   * Compiles a type-checked {@code when} expression of type bool.
   *
   * @param cel the environment that checked it, which evaluates the parts left to CEL
   * @param ast the checked expression
   * @return the predicate, or empty when no part of the expression is recognised
   * @throws IllegalArgumentException if {@code ast} is not type-checked
   */
  static Optional<WhenPredicate> compile(Cel cel, CelAbstractSyntaxTree ast) {
    if (!ast.isChecked()) {
      throw new IllegalArgumentException("the expression is not type-checked");
    }
    WhenPredicateCompiler compiler = new WhenPredicateCompiler(cel, ast);
    WhenPredicate predicate = compiler.predicate(ast.getExpr(), null);
    return predicate != null && compiler.compiledParts > 0
        ? Optional.of(predicate)
        : Optional.empty();
  }

  /**
   * Compiles a bool expression.
   *
   * @param iterVar the variable of the enclosing {@code spans} macro, or null outside one
   * @return the predicate; null when it is not recognised inside a macro, or when CEL cannot
   *     evaluate the part on its own outside one
   */
  private WhenPredicate predicate(CelExpr expr, String iterVar) {
    boolean and = isCall(expr, Operator.LOGICAL_AND, 2);
    if (and || isCall(expr, Operator.LOGICAL_OR, 2)) {
      WhenPredicate left = predicate(expr.call().args().get(0), iterVar);
      WhenPredicate right = predicate(expr.call().args().get(1), iterVar);
      if (left == null || right == null) {
        return null;
      }
      return and ? WhenPredicate.and(left, right) : WhenPredicate.or(left, right);
    }
    if (isCall(expr, Operator.LOGICAL_NOT, 1)) {
      WhenPredicate operand = predicate(expr.call().args().get(0), iterVar);
      return operand == null ? null : WhenPredicate.not(operand);
    }
    WhenPredicate compiled = condition(expr, iterVar);
    if (compiled != null) {
      compiledParts++;
      return compiled;
    }
    // Outside a macro, CEL can evaluate the part alone: it reads only the rule variables.
    return iterVar == null ? celPart(expr) : null;
  }

  /** A recognised condition other than a logical operator, or null. */
  private WhenPredicate condition(CelExpr expr, String iterVar) {
    switch (expr.getKind()) {
      case CONSTANT:
        return expr.constant().getKind() == CelConstant.Kind.BOOLEAN_VALUE
            ? WhenPredicate.constant(expr.constant().booleanValue())
            : null;
      case COMPREHENSION:
        return iterVar == null ? spansMacro(expr.comprehension()) : null;
      case CALL:
        return call(expr.call(), iterVar);
      case SELECT:
        if (kind(expr) == CelKind.BOOL) {
          WhenOperand operand = operand(expr, iterVar);
          return operand == null ? null : WhenPredicate.bool(operand);
        }
        return null;
      default:
        return null;
    }
  }

  private WhenPredicate call(CelCall call, String iterVar) {
    String function = call.function();
    if (call.target().isPresent()) {
      BiPredicate<String, String> stringFunction = STRING_FUNCTIONS.get(function);
      if (stringFunction == null || call.args().size() != 1) {
        return null;
      }
      CelExpr target = call.target().get();
      CelExpr argument = call.args().get(0);
      CelKind targetKind = kind(target);
      if ((targetKind != CelKind.STRING && targetKind != CelKind.DYN)
          || kind(argument) != CelKind.STRING) {
        return null;
      }
      WhenOperand targetOperand = operand(target, iterVar);
      WhenOperand argumentOperand = operand(argument, iterVar);
      if (targetOperand == null || argumentOperand == null) {
        return null;
      }
      return WhenPredicate.strings(function, stringFunction, targetOperand, argumentOperand);
    }
    if (call.args().size() != 2) {
      return null;
    }
    CelExpr left = call.args().get(0);
    CelExpr right = call.args().get(1);
    Relation relation = RELATIONS.get(function);
    if (relation != null) {
      return comparison(relation, left, right, iterVar);
    }
    if (function.equals(Operator.IN.getFunction())) {
      return membership(left, right, iterVar);
    }
    return null;
  }

  private WhenPredicate comparison(
      Relation relation, CelExpr left, CelExpr right, String iterVar) {
    CelKind leftKind = kind(left);
    CelKind rightKind = kind(right);
    // Two attributes may be lists or maps, whose equality CEL defines element by element; that
    // is left to CEL.
    if (!isOperandKind(leftKind)
        || !isOperandKind(rightKind)
        || (leftKind == CelKind.DYN && rightKind == CelKind.DYN)) {
      return null;
    }
    WhenOperand x = operand(left, iterVar);
    WhenOperand y = operand(right, iterVar);
    if (x == null || y == null) {
      return null;
    }
    if (x instanceof LongOperand
        && y instanceof LongOperand
        && ((LongOperand) x).isDuration() == ((LongOperand) y).isDuration()) {
      return WhenPredicate.longs(relation, (LongOperand) x, (LongOperand) y);
    }
    return relation.isOrdering()
        ? WhenPredicate.ordering(relation, x, y)
        : WhenPredicate.equality(relation, x, y);
  }

  private WhenPredicate membership(CelExpr element, CelExpr container, String iterVar) {
    AttributeMap map = attributeMap(container, iterVar);
    if (map != null) {
      if (kind(element) != CelKind.STRING) {
        return null;
      }
      WhenOperand key = operand(element, iterVar);
      return key == null ? null : WhenPredicate.hasKey(key, map.source, map.resource);
    }
    if (kind(container) != CelKind.LIST || !readsNoVariable(container)) {
      return null;
    }
    if (!isOperandKind(kind(element))) {
      return null;
    }
    Object list = evaluate(container);
    if (!(list instanceof List)) {
      return null;
    }
    List<Object> constants = new ArrayList<>();
    for (Object constant : (List<?>) list) {
      if (constant == null || !CONSTANT_CLASSES.contains(constant.getClass())) {
        return null;
      }
      constants.add(constant);
    }
    WhenOperand value = operand(element, iterVar);
    return value == null ? null : WhenPredicate.inList(value, List.copyOf(constants));
  }

  /**
   * {@code spans.exists(s, body)} or {@code spans.all(s, body)}, matched against the exact
   * comprehension that CEL's macros expand to.
   */
  private WhenPredicate spansMacro(CelComprehension comprehension) {
    if (!comprehension.iterVar2().isEmpty()
        || !isVariable(comprehension.iterRange(), SPANS, null)
        || comprehension.accuInit().getKind() != CelExpr.ExprKind.Kind.CONSTANT
        || comprehension.accuInit().constant().getKind() != CelConstant.Kind.BOOLEAN_VALUE) {
      return null;
    }
    String accumulator = comprehension.accuVar();
    boolean exists = !comprehension.accuInit().constant().booleanValue();
    CelExpr condition = comprehension.loopCondition();
    if (!isCall(condition, Operator.NOT_STRICTLY_FALSE, 1)) {
      return null;
    }
    CelExpr continues = condition.call().args().get(0);
    if (exists) {
      if (!isCall(continues, Operator.LOGICAL_NOT, 1)) {
        return null;
      }
      continues = continues.call().args().get(0);
    }
    CelExpr step = comprehension.loopStep();
    if (!isIdent(continues, accumulator)
        || !isIdent(comprehension.result(), accumulator)
        || !isCall(step, exists ? Operator.LOGICAL_OR : Operator.LOGICAL_AND, 2)
        || !isIdent(step.call().args().get(0), accumulator)) {
      return null;
    }
    CelExpr body = step.call().args().get(1);
    if (mentions(body, accumulator)) {
      return null;
    }
    WhenPredicate compiled = predicate(body, comprehension.iterVar());
    if (compiled == null) {
      return null;
    }
    return exists ? WhenPredicate.exists(compiled) : WhenPredicate.all(compiled);
  }

  /**
   * An operand: a constant, a field of {@code trace}, a scalar field of a span, or one attribute;
   * null for anything else.
   */
  private WhenOperand operand(CelExpr expr, String iterVar) {
    if (readsNoVariable(expr)) {
      return constant(expr);
    }
    if (expr.getKind() == CelExpr.ExprKind.Kind.SELECT) {
      CelSelect select = expr.select();
      if (select.testOnly()) {
        return null;
      }
      if (isVariable(select.operand(), TRACE, iterVar)) {
        return WhenOperand.traceField(select.field());
      }
      SpanSource source = spanSource(select.operand(), iterVar);
      return source == null ? null : WhenOperand.spanField(source, select.field());
    }
    if (isCall(expr, Operator.INDEX, 2)) {
      AttributeMap map = attributeMap(expr.call().args().get(0), iterVar);
      CelExpr key = expr.call().args().get(1);
      if (map == null || kind(key) != CelKind.STRING || !readsNoVariable(key)) {
        return null;
      }
      Object keyValue = evaluate(key);
      return keyValue instanceof String
          ? WhenOperand.attribute(map.source, map.resource, (String) keyValue)
          : null;
    }
    return null;
  }

  /** A sub-expression that reads no variable, evaluated by CEL now; null if it fails. */
  private WhenOperand constant(CelExpr expr) {
    CelKind kind = kind(expr);
    if (!SCALAR_KINDS.contains(kind)) {
      return null;
    }
    Object value = evaluate(expr);
    if (value == null || !CONSTANT_CLASSES.contains(value.getClass())) {
      return null;
    }
    if (kind == CelKind.INT && value instanceof Long) {
      return WhenOperand.longConstant((Long) value, false);
    }
    if (kind == CelKind.DURATION && value instanceof Duration) {
      try {
        return WhenOperand.longConstant(((Duration) value).toNanos(), true);
      } catch (ArithmeticException e) {
        // Longer than a long of nanoseconds can hold (292 years): compared as a Duration.
        return WhenOperand.constant(value);
      }
    }
    return WhenOperand.constant(value);
  }

  /** {@code span.attributes} or {@code span.resource}. */
  private record AttributeMap(SpanSource source, boolean resource) {}

  private AttributeMap attributeMap(CelExpr expr, String iterVar) {
    if (expr.getKind() != CelExpr.ExprKind.Kind.SELECT || expr.select().testOnly()) {
      return null;
    }
    String field = expr.select().field();
    if (!field.equals(ATTRIBUTES) && !field.equals(RESOURCE)) {
      return null;
    }
    SpanSource source = spanSource(expr.select().operand(), iterVar);
    return source == null ? null : new AttributeMap(source, field.equals(RESOURCE));
  }

  private SpanSource spanSource(CelExpr expr, String iterVar) {
    if (iterVar != null && isIdent(expr, iterVar)) {
      return SpanSource.ITERATED;
    }
    return isVariable(expr, ROOT, iterVar) ? SpanSource.ROOT : null;
  }

  /** Whether {@code expr} is the rule variable {@code name}, not hidden by the macro variable. */
  private boolean isVariable(CelExpr expr, String name, String iterVar) {
    if (!isIdent(expr, name) || name.equals(iterVar)) {
      return false;
    }
    Optional<CelReference> reference = ast.getReference(expr.id());
    return reference.isPresent() && reference.get().name().equals(name);
  }

  /** A part left to CEL, compiled on its own; null if it does not compile alone. */
  private WhenPredicate celPart(CelExpr expr) {
    try {
      CelAbstractSyntaxTree part =
          cel.check(CelAbstractSyntaxTree.newParsedAst(expr, ast.getSource())).getAst();
      return WhenPredicate.cel(cel.createProgram(part), "#" + expr.id());
    } catch (CelValidationException | CelEvaluationException | RuntimeException e) {
      return null;
    }
  }

  /** Evaluates a sub-expression that reads no variable; null if CEL fails on it. */
  private Object evaluate(CelExpr expr) {
    try {
      CelAbstractSyntaxTree part =
          cel.check(CelAbstractSyntaxTree.newParsedAst(expr, ast.getSource())).getAst();
      return cel.createProgram(part).eval();
    } catch (CelValidationException | CelEvaluationException | RuntimeException e) {
      // Such as duration("forever"): CEL fails on every evaluation, which CEL had better report.
      return null;
    }
  }

  private CelKind kind(CelExpr expr) {
    return ast.getType(expr.id()).map(type -> type.kind()).orElse(CelKind.ERROR);
  }

  private static boolean isOperandKind(CelKind kind) {
    return kind == CelKind.DYN || SCALAR_KINDS.contains(kind);
  }

  private static boolean isIdent(CelExpr expr, String name) {
    return expr.getKind() == CelExpr.ExprKind.Kind.IDENT && expr.ident().name().equals(name);
  }

  private static boolean isCall(CelExpr expr, Operator operator, int arity) {
    return expr.getKind() == CelExpr.ExprKind.Kind.CALL
        && expr.call().target().isEmpty()
        && expr.call().function().equals(operator.getFunction())
        && expr.call().args().size() == arity;
  }

  /** Whether the expression is made of constants and calls only, so it has one value. */
  private static boolean readsNoVariable(CelExpr expr) {
    switch (expr.getKind()) {
      case CONSTANT:
        return true;
      case CALL:
        CelCall call = expr.call();
        if (call.target().isPresent() && !readsNoVariable(call.target().get())) {
          return false;
        }
        return call.args().stream().allMatch(WhenPredicateCompiler::readsNoVariable);
      case LIST:
        return expr.list().elements().stream().allMatch(WhenPredicateCompiler::readsNoVariable);
      default:
        return false;
    }
  }

  /** Whether the identifier {@code name} occurs anywhere in the expression. */
  private static boolean mentions(CelExpr expr, String name) {
    switch (expr.getKind()) {
      case IDENT:
        return expr.ident().name().equals(name);
      case SELECT:
        return mentions(expr.select().operand(), name);
      case CALL:
        CelCall call = expr.call();
        if (call.target().isPresent() && mentions(call.target().get(), name)) {
          return true;
        }
        return call.args().stream().anyMatch(arg -> mentions(arg, name));
      case LIST:
        return expr.list().elements().stream().anyMatch(element -> mentions(element, name));
      case MAP:
        return expr.map().entries().stream()
            .anyMatch(entry -> mentions(entry.key(), name) || mentions(entry.value(), name));
      case STRUCT:
        return expr.struct().entries().stream().anyMatch(entry -> mentions(entry.value(), name));
      case COMPREHENSION:
        CelComprehension inner = expr.comprehension();
        return mentions(inner.iterRange(), name)
            || mentions(inner.accuInit(), name)
            || mentions(inner.loopCondition(), name)
            || mentions(inner.loopStep(), name)
            || mentions(inner.result(), name);
      default:
        return false;
    }
  }
}
