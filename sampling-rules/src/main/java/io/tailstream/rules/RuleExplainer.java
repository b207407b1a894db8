package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import dev.cel.bundle.Cel;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelException;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.Operator;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelExpr.CelCall;
import dev.cel.parser.CelParser;
import dev.cel.parser.CelParserBuilder;
import dev.cel.parser.CelUnparserVisitor;
import dev.cel.runtime.CelEvaluationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Explains how a {@link RuleSet} decides a trace, for SREs debugging their rules ({@code tailstream
 * rules explain} and {@code rules test}).
 *
 * <p>Each rule's {@code when} is split into the operands of its top-level {@code &&} or {@code ||}
 * chain. Each operand is written back as text with CEL's unparser, compiled on its own in the
 * rules' environment and evaluated on the trace; for a comparison ({@code ==}, {@code !=}, {@code
 * <}, {@code <=}, {@code >}, {@code >=}) or {@code in}, the operands that are not constants are
 * evaluated too. So {@code root.attributes["http.route"] in ["/healthz"]} shows the route the trace
 * actually has.
 */
public final class RuleExplainer {

  private static final Set<String> COMPARISONS =
      Set.of(
          Operator.EQUALS.getFunction(),
          Operator.NOT_EQUALS.getFunction(),
          Operator.LESS.getFunction(),
          Operator.LESS_EQUALS.getFunction(),
          Operator.GREATER.getFunction(),
          Operator.GREATER_EQUALS.getFunction(),
          Operator.IN.getFunction());

  private static final String AND = Operator.LOGICAL_AND.getFunction();
  private static final String OR = Operator.LOGICAL_OR.getFunction();

  /** CEL prefixes runtime errors with an offset into the expression, which means nothing here. */
  private static final Pattern EVALUATION_ERROR_PREFIX =
      Pattern.compile("^evaluation error(?: at [^:]*:\\d+)?: ");

  /**
   * The rules' parser, keeping macro calls so that the unparser writes {@code spans.exists(s, ...)}
   * instead of the comprehension it expands to.
   */
  private static final CelParser PARSER = macroKeepingParser(WhenCompiler.cel());

  private RuleExplainer() {}

  /**
   * Evaluates {@code rules} on {@code trace} rule by rule and records why each rule matched or not,
   * and the decision.
   *
   * <p>The decision is the one {@link RuleSet#evaluate} returns, so it is authoritative; calling
   * this method therefore counts runtime failures like {@code evaluate} does. The {@code limit} and
   * {@code adaptive} actions keep state in the rule set: the decision depends on the traces that
   * {@code rules} decided before. To explain a trace as if it were the first, pass freshly loaded
   * rules, as {@code tailstream rules explain} and {@code rules test} do.
   *
   * @param rules the rules
   * @param trace the trace
   * @return every rule's outcome, in order, and the decision
   */
  public static Explanation explain(RuleSet rules, TraceView trace) {
    requireNonNull(rules, "rules");
    requireNonNull(trace, "trace");
    Decision decision = rules.evaluate(trace);
    TraceVariables variables = new TraceVariables(trace);
    List<Explanation.RuleResult> results = new ArrayList<>();
    boolean decided = false;
    for (CompiledRule rule : rules.compiledRules()) {
      if (decided) {
        results.add(
            new Explanation.RuleResult(
                rule.name(), rule.whenSource(), Explanation.Outcome.NOT_REACHED, null, List.of()));
      } else {
        results.add(explain(rule, variables));
      }
      decided = decided || rule.name().equals(decision.rule());
    }
    return new Explanation(trace.traceIdHex(), results, decision);
  }

  private static Explanation.RuleResult explain(CompiledRule rule, TraceVariables variables) {
    if (rule.when() == null) {
      return new Explanation.RuleResult(
          rule.name(), null, Explanation.Outcome.MATCHED, null, List.of());
    }
    List<Explanation.Term> terms = terms(rule.whenSource(), variables);
    Object result;
    try {
      result = rule.when().eval(variables);
    } catch (CelEvaluationException | RuntimeException e) {
      return new Explanation.RuleResult(
          rule.name(), rule.whenSource(), Explanation.Outcome.FAILED, message(e), terms);
    }
    if (!(result instanceof Boolean)) {
      return new Explanation.RuleResult(
          rule.name(),
          rule.whenSource(),
          Explanation.Outcome.FAILED,
          "'when' returned " + ValueFormatter.format(result) + " instead of a bool",
          terms);
    }
    Explanation.Outcome outcome =
        (Boolean) result ? Explanation.Outcome.MATCHED : Explanation.Outcome.NOT_MATCHED;
    return new Explanation.RuleResult(rule.name(), rule.whenSource(), outcome, null, terms);
  }

  /** The operands of the top-level {@code &&} or {@code ||} chain, or the whole expression. */
  private static List<Explanation.Term> terms(String when, TraceVariables variables) {
    CelAbstractSyntaxTree ast;
    try {
      ast = PARSER.parse(when).getAst();
    } catch (CelValidationException e) {
      // The rule compiled when it was loaded, so this does not happen; explain the rest anyway.
      return List.of();
    }
    CelExpr root = ast.getExpr();
    List<CelExpr> operands = new ArrayList<>();
    String function = logicalFunction(root);
    if (function == null) {
      operands.add(root);
    } else {
      flatten(root, function, operands);
    }
    List<Explanation.Term> terms = new ArrayList<>(operands.size());
    for (CelExpr operand : operands) {
      terms.add(term(ast, operand, variables));
    }
    return terms;
  }

  private static Explanation.Term term(
      CelAbstractSyntaxTree ast, CelExpr expr, TraceVariables variables) {
    List<Explanation.Term> operands = new ArrayList<>();
    if (expr.getKind() == CelExpr.ExprKind.Kind.CALL
        && COMPARISONS.contains(expr.call().function())) {
      for (CelExpr argument : expr.call().args()) {
        if (readsVariables(argument)) {
          String text = unparse(ast, argument);
          operands.add(new Explanation.Term(text, evaluate(text, variables), List.of()));
        }
      }
    }
    String text = unparse(ast, expr);
    return new Explanation.Term(text, evaluate(text, variables), operands);
  }

  /** Compiles a sub-expression on its own, of whatever type, and formats its value. */
  private static String evaluate(String expression, TraceVariables variables) {
    Cel cel = WhenCompiler.cel();
    CelValidationResult compiled = cel.compile(expression);
    try {
      return ValueFormatter.format(cel.createProgram(compiled.getAst()).eval(variables));
    } catch (CelValidationException | CelEvaluationException | RuntimeException e) {
      return "error: " + message(e);
    }
  }

  private static String unparse(CelAbstractSyntaxTree ast, CelExpr expr) {
    // A visitor accumulates text, so each sub-expression needs its own.
    return new EscapingUnparser(ast).unparse(expr);
  }

  private static String logicalFunction(CelExpr expr) {
    if (expr.getKind() != CelExpr.ExprKind.Kind.CALL) {
      return null;
    }
    String function = expr.call().function();
    return function.equals(AND) || function.equals(OR) ? function : null;
  }

  private static void flatten(CelExpr expr, String function, List<CelExpr> out) {
    if (function.equals(logicalFunction(expr))) {
      for (CelExpr argument : expr.call().args()) {
        flatten(argument, function, out);
      }
    } else {
      out.add(expr);
    }
  }

  /** Whether the expression refers to a variable, so that its value is worth showing. */
  private static boolean readsVariables(CelExpr expr) {
    switch (expr.getKind()) {
      case IDENT:
      case COMPREHENSION:
        return true;
      case SELECT:
        return readsVariables(expr.select().operand());
      case CALL:
        CelCall call = expr.call();
        if (call.target().isPresent() && readsVariables(call.target().get())) {
          return true;
        }
        return call.args().stream().anyMatch(RuleExplainer::readsVariables);
      case LIST:
        return expr.list().elements().stream().anyMatch(RuleExplainer::readsVariables);
      case MAP:
        return expr.map().entries().stream()
            .anyMatch(entry -> readsVariables(entry.key()) || readsVariables(entry.value()));
      case STRUCT:
        return expr.struct().entries().stream().anyMatch(entry -> readsVariables(entry.value()));
      default:
        return false;
    }
  }

  private static String message(Exception e) {
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    message = EVALUATION_ERROR_PREFIX.matcher(message).replaceFirst("");
    // For a missing key of a map read through a variable, CEL's planner says only the key.
    if (e instanceof CelException
        && ((CelException) e).getErrorCode() == CelErrorCode.ATTRIBUTE_NOT_FOUND
        && !message.isEmpty()
        && message.chars().noneMatch(Character::isWhitespace)) {
      return "key '" + message + "' is not present in map.";
    }
    return message;
  }

  /**
   * CEL's unparser writes string constants without escaping them, so {@code 'say "hi"'} would come
   * back as text that does not parse.
   */
  private static final class EscapingUnparser extends CelUnparserVisitor {
    EscapingUnparser(CelAbstractSyntaxTree ast) {
      super(ast);
    }

    @Override
    protected void visit(CelExpr expr, CelConstant constant) {
      if (constant.getKind() == CelConstant.Kind.STRING_VALUE) {
        stringBuilder.append(ValueFormatter.literal(constant.stringValue()));
      } else {
        super.visit(expr, constant);
      }
    }
  }

  private static CelParser macroKeepingParser(Cel cel) {
    CelParserBuilder builder = cel.toParserBuilder();
    return builder
        .setOptions(builder.getOptions().toBuilder().populateMacroCalls(true).build())
        .build();
  }
}
