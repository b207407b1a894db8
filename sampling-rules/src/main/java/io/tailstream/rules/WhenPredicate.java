package io.tailstream.rules;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.Program;
import io.tailstream.rules.CelComparisons.Relation;
import io.tailstream.rules.WhenOperand.LongOperand;
import io.tailstream.rules.WhenOperand.SpanSource;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * A {@code when} expression, or a part of one, compiled to plain Java by {@link
 * WhenPredicateCompiler}. It gives the result CEL gives, including CEL's failures: a failure is
 * {@link Result#ERROR}, and {@code &&} and {@code ||} absorb it as CEL's do ({@code error && false}
 * is false, {@code error || true} is true, whichever side fails).
 *
 * <p>Instances are immutable and safe to share between threads.
 */
abstract class WhenPredicate {

  /** The outcome of a bool expression: CEL's value, or its evaluation error. */
  enum Result {
    TRUE,
    FALSE,
    ERROR;

    static Result of(boolean value) {
      return value ? TRUE : FALSE;
    }
  }

  /**
   * Evaluates the expression.
   *
   * @param variables the trace being decided
   * @param span the span the enclosing {@code spans} macro visits, or null outside one
   */
  abstract Result test(TraceVariables variables, SpanView span);

  /** Whether a part of the expression is left to CEL (see {@link #cel}). */
  boolean hasCelParts() {
    return false;
  }

  /** A bool constant. */
  static WhenPredicate constant(boolean value) {
    Result result = Result.of(value);
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        return result;
      }

      @Override
      public String toString() {
        return Boolean.toString(value);
      }
    };
  }

  /** An operand of type bool, such as {@code trace.has_root}. */
  static WhenPredicate bool(WhenOperand operand) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object value = operand.read(variables, span);
        return value instanceof Boolean ? Result.of((Boolean) value) : Result.ERROR;
      }

      @Override
      public String toString() {
        return operand.toString();
      }
    };
  }

  /** CEL's {@code left && right}: false if either side is false, even if the other fails. */
  static WhenPredicate and(WhenPredicate left, WhenPredicate right) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Result first = left.test(variables, span);
        if (first == Result.FALSE) {
          return Result.FALSE;
        }
        Result second = right.test(variables, span);
        return second == Result.TRUE ? first : second;
      }

      @Override
      boolean hasCelParts() {
        return left.hasCelParts() || right.hasCelParts();
      }

      @Override
      public String toString() {
        return "(" + left + " && " + right + ")";
      }
    };
  }

  /** CEL's {@code left || right}: true if either side is true, even if the other fails. */
  static WhenPredicate or(WhenPredicate left, WhenPredicate right) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Result first = left.test(variables, span);
        if (first == Result.TRUE) {
          return Result.TRUE;
        }
        Result second = right.test(variables, span);
        return second == Result.FALSE ? first : second;
      }

      @Override
      boolean hasCelParts() {
        return left.hasCelParts() || right.hasCelParts();
      }

      @Override
      public String toString() {
        return "(" + left + " || " + right + ")";
      }
    };
  }

  /** CEL's {@code !operand}, which fails when its operand fails. */
  static WhenPredicate not(WhenPredicate operand) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        switch (operand.test(variables, span)) {
          case TRUE:
            return Result.FALSE;
          case FALSE:
            return Result.TRUE;
          default:
            return Result.ERROR;
        }
      }

      @Override
      boolean hasCelParts() {
        return operand.hasCelParts();
      }

      @Override
      public String toString() {
        return "!" + operand;
      }
    };
  }

  /**
   * {@code spans.exists(s, body)}: true if the body is true for a span, even if it fails for
   * others; otherwise a failure if it fails for a span, else false.
   */
  static WhenPredicate exists(WhenPredicate body) {
    return new SpansMacro(body, Result.TRUE);
  }

  /**
   * {@code spans.all(s, body)}: false if the body is false for a span, even if it fails for
   * others; otherwise a failure if it fails for a span, else true.
   */
  static WhenPredicate all(WhenPredicate body) {
    return new SpansMacro(body, Result.FALSE);
  }

  /** CEL's {@code ==} or {@code !=} on any two values, which never fails on values that exist. */
  static WhenPredicate equality(Relation relation, WhenOperand left, WhenOperand right) {
    boolean negated = relation == Relation.NOT_EQUALS;
    if (left instanceof WhenOperand.Attribute attribute
        && WhenOperand.constantValue(right) instanceof String text) {
      return stringMatch(attribute, List.of(text), negated, left + " " + relation + " " + right);
    }
    if (right instanceof WhenOperand.Attribute attribute
        && WhenOperand.constantValue(left) instanceof String text) {
      return stringMatch(attribute, List.of(text), negated, left + " " + relation + " " + right);
    }
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object x = left.read(variables, span);
        if (x == WhenOperand.MISSING) {
          return Result.ERROR;
        }
        Object y = right.read(variables, span);
        if (y == WhenOperand.MISSING) {
          return Result.ERROR;
        }
        return Result.of(CelComparisons.equal(x, y) != negated);
      }

      @Override
      public String toString() {
        return left + " " + relation + " " + right;
      }
    };
  }

  /**
   * CEL's {@code <}, {@code <=}, {@code >} or {@code >=}, which fails where CEL has no overload for
   * the values' types, such as a string attribute compared with an int.
   */
  static WhenPredicate ordering(Relation relation, WhenOperand left, WhenOperand right) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object x = left.read(variables, span);
        if (x == WhenOperand.MISSING) {
          return Result.ERROR;
        }
        Object y = right.read(variables, span);
        if (y == WhenOperand.MISSING) {
          return Result.ERROR;
        }
        Boolean holds = CelComparisons.compare(relation, x, y);
        return holds == null ? Result.ERROR : Result.of(holds);
      }

      @Override
      public String toString() {
        return left + " " + relation + " " + right;
      }
    };
  }

  /**
   * Any comparison of two ints, or of two durations, neither of which can fail: {@code
   * trace.error_count > 0}, {@code trace.duration > duration("2s")}.
   */
  static WhenPredicate longs(Relation relation, LongOperand left, LongOperand right) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        return Result.of(
            relation.holds(
                Long.compare(left.readLong(variables, span), right.readLong(variables, span))));
      }

      @Override
      public String toString() {
        return left + " " + relation + " " + right;
      }
    };
  }

  /** {@code value in [constants]}. */
  static WhenPredicate inList(WhenOperand value, List<Object> constants) {
    if (value instanceof WhenOperand.Attribute attribute
        && !constants.isEmpty()
        && constants.stream().allMatch(String.class::isInstance)) {
      List<String> texts = constants.stream().map(String.class::cast).toList();
      return stringMatch(
          attribute, texts, false, value + " in " + ValueFormatter.format(constants));
    }
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object x = value.read(variables, span);
        if (x == WhenOperand.MISSING) {
          return Result.ERROR;
        }
        return Result.of(CelComparisons.inList(x, constants));
      }

      @Override
      public String toString() {
        return value + " in " + ValueFormatter.format(constants);
      }
    };
  }

  /**
   * An attribute {@code ==} a string constant (or {@code !=}, if {@code negated}), or {@code in} a
   * list of string constants: compared as UTF-8 bytes where the attribute is a plain string on the
   * wire, with CEL's equality on the decoded value otherwise. {@code description} is its {@code
   * toString}.
   */
  private static WhenPredicate stringMatch(
      WhenOperand.Attribute attribute, List<String> texts, boolean negated, String description) {
    String[] textArray = texts.toArray(String[]::new);
    boolean[] ascii = new boolean[textArray.length];
    for (int i = 0; i < textArray.length; i++) {
      ascii[i] = WireCursor.isAscii(textArray[i]);
    }
    List<Object> constants = List.copyOf(texts);
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        AttributeMapValue map = attribute.map(variables, span);
        int match = map.matchString(attribute.key(), textArray, ascii);
        if (match == AttributeMapValue.ABSENT) {
          return Result.ERROR;
        }
        if (match == AttributeMapValue.DECODE) {
          Object value = map.get(attribute.key());
          if (value == null) {
            return Result.ERROR;
          }
          return Result.of(CelComparisons.inList(value, constants) != negated);
        }
        return Result.of((match >= 0) != negated);
      }

      @Override
      public String toString() {
        return description;
      }
    };
  }

  /**
   * {@code key in span.attributes} or {@code key in span.resource}, for a key of type string:
   * whether the key has a value.
   */
  static WhenPredicate hasKey(WhenOperand key, SpanSource source, boolean resource) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object k = key.read(variables, span);
        if (!(k instanceof String)) {
          return Result.ERROR;
        }
        return Result.of(
            WhenOperand.attributes(variables, span, source, resource).hasValue((String) k));
      }

      @Override
      public String toString() {
        return key + " in " + source + (resource ? ".resource" : ".attributes");
      }
    };
  }

  /**
   * A function of two strings, such as {@code startsWith}, which fails when either value is not a
   * string.
   */
  static WhenPredicate strings(
      String name, BiPredicate<String, String> function, WhenOperand target, WhenOperand argument) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object x = target.read(variables, span);
        if (!(x instanceof String)) {
          return Result.ERROR;
        }
        Object y = argument.read(variables, span);
        if (!(y instanceof String)) {
          return Result.ERROR;
        }
        return Result.of(function.test((String) x, (String) y));
      }

      @Override
      public String toString() {
        return target + "." + name + "(" + argument + ")";
      }
    };
  }

  /**
   * A part of the expression that is not compiled to Java, evaluated by CEL on its own. It may
   * read {@code trace}, {@code root} and {@code spans}, so it cannot be inside a {@code spans}
   * macro.
   *
   * @param name what {@link #toString} calls the part
   */
  static WhenPredicate cel(Program program, String name) {
    return new WhenPredicate() {
      @Override
      Result test(TraceVariables variables, SpanView span) {
        Object value;
        try {
          value = program.eval(variables);
        } catch (CelEvaluationException | RuntimeException e) {
          return Result.ERROR;
        }
        return value instanceof Boolean ? Result.of((Boolean) value) : Result.ERROR;
      }

      @Override
      boolean hasCelParts() {
        return true;
      }

      @Override
      public String toString() {
        return "cel(" + name + ")";
      }
    };
  }

  /** {@code spans.exists} and {@code spans.all}, which differ in the result that stops them. */
  private static final class SpansMacro extends WhenPredicate {
    private final WhenPredicate body;
    private final Result decisive;

    SpansMacro(WhenPredicate body, Result decisive) {
      this.body = body;
      this.decisive = decisive;
    }

    @Override
    Result test(TraceVariables variables, SpanView ignored) {
      boolean failed = false;
      for (SpanView span : variables.trace().spans()) {
        Result result = body.test(variables, span);
        if (result == decisive) {
          return decisive;
        }
        failed |= result == Result.ERROR;
      }
      if (failed) {
        return Result.ERROR;
      }
      return decisive == Result.TRUE ? Result.FALSE : Result.TRUE;
    }

    @Override
    public String toString() {
      return (decisive == Result.TRUE ? "exists(" : "all(") + body + ")";
    }
  }
}
