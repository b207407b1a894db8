package io.tailstream.rules;

import com.google.common.primitives.UnsignedLong;
import dev.cel.common.values.CelByteString;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * CEL's equality, ordering and list membership on runtime values, for the {@code when} predicates
 * compiled to Java. Each method gives the result of the overload that the CEL runtime ({@code
 * dev.cel} with heterogeneous numeric comparisons, as {@link WhenCompiler} configures it) would
 * dispatch to, including its quirks: a mixed int/double/uint comparison goes through {@link
 * Double#compare}, so NaN counts as the greatest number there, while a double/double comparison
 * uses Java's operators, for which NaN is neither less nor greater than anything.
 *
 * <p>Values are in CEL's runtime form: {@link Long} (int), {@link UnsignedLong} (uint), {@link
 * Double}, {@link String}, {@link Boolean}, {@link Duration}, {@link Instant}, {@link
 * CelByteString}, lists and maps. {@code WhenPredicateCompilerTest} checks every method against
 * CEL itself.
 */
final class CelComparisons {

  private static final UnsignedLong UINT_AS_INT_MAX = UnsignedLong.valueOf(Long.MAX_VALUE);
  private static final double INT_MAX_AS_DOUBLE = (double) Long.MAX_VALUE;
  private static final double INT_MIN_AS_DOUBLE = (double) Long.MIN_VALUE;
  private static final double UINT_MAX_AS_DOUBLE = UnsignedLong.MAX_VALUE.doubleValue();

  private CelComparisons() {}

  /** CEL's comparison operators. */
  enum Relation {
    EQUALS("=="),
    NOT_EQUALS("!="),
    LESS("<"),
    LESS_EQUALS("<="),
    GREATER(">"),
    GREATER_EQUALS(">=");

    private final String symbol;

    Relation(String symbol) {
      this.symbol = symbol;
    }

    /** Whether this is one of the operators that {@link #compare} evaluates. */
    boolean isOrdering() {
      return this != EQUALS && this != NOT_EQUALS;
    }

    /** Whether the relation holds for the sign of a comparison result. */
    boolean holds(int comparison) {
      switch (this) {
        case EQUALS:
          return comparison == 0;
        case NOT_EQUALS:
          return comparison != 0;
        case LESS:
          return comparison < 0;
        case LESS_EQUALS:
          return comparison <= 0;
        case GREATER:
          return comparison > 0;
        default:
          return comparison >= 0;
      }
    }

    /** Java's ordering operator on two doubles, which CEL's double/double overloads use. */
    private boolean holds(double x, double y) {
      switch (this) {
        case LESS:
          return x < y;
        case LESS_EQUALS:
          return x <= y;
        case GREATER:
          return x > y;
        case GREATER_EQUALS:
          return x >= y;
        default:
          throw new IllegalStateException(this + " is no ordering");
      }
    }

    @Override
    public String toString() {
      return symbol;
    }
  }

  /** CEL's {@code ==}: numbers compare by value across int, uint and double; it never fails. */
  static boolean equal(Object x, Object y) {
    if (x == y) {
      return true;
    }
    if (x instanceof Number) {
      return y instanceof Number && numericEquals((Number) x, (Number) y);
    }
    if (x instanceof List) {
      return y instanceof List && listsEqual((List<?>) x, (List<?>) y);
    }
    if (x instanceof Map) {
      return y instanceof Map && mapsEqual((Map<?, ?>) x, (Map<?, ?>) y);
    }
    return x.equals(y);
  }

  /**
   * CEL's ordering operators ({@link Relation#isOrdering()}), or null where CEL has no overload
   * for the two values' types, which is an evaluation error.
   */
  static Boolean compare(Relation ordering, Object x, Object y) {
    if (x instanceof Long) {
      long l = (Long) x;
      if (y instanceof Long) {
        return ordering.holds(Long.compare(l, (Long) y));
      }
      if (y instanceof Double) {
        return ordering.holds(-compareDoubleInt((Double) y, l));
      }
      if (y instanceof UnsignedLong) {
        return ordering.holds(compareIntUint(l, (UnsignedLong) y));
      }
      return null;
    }
    if (x instanceof Double) {
      double d = (Double) x;
      if (y instanceof Double) {
        return ordering.holds(d, (Double) y);
      }
      if (y instanceof Long) {
        return ordering.holds(compareDoubleInt(d, (Long) y));
      }
      if (y instanceof UnsignedLong) {
        return ordering.holds(compareDoubleUint(d, (UnsignedLong) y));
      }
      return null;
    }
    if (x instanceof UnsignedLong) {
      UnsignedLong u = (UnsignedLong) x;
      if (y instanceof UnsignedLong) {
        return ordering.holds(u.compareTo((UnsignedLong) y));
      }
      if (y instanceof Long) {
        return ordering.holds(-compareIntUint((Long) y, u));
      }
      if (y instanceof Double) {
        return ordering.holds(-compareDoubleUint((Double) y, u));
      }
      return null;
    }
    if (x instanceof String && y instanceof String) {
      return ordering.holds(((String) x).compareTo((String) y));
    }
    if (x instanceof Boolean && y instanceof Boolean) {
      return ordering.holds(Boolean.compare((Boolean) x, (Boolean) y));
    }
    if (x instanceof Duration && y instanceof Duration) {
      return ordering.holds(((Duration) x).compareTo((Duration) y));
    }
    if (x instanceof Instant && y instanceof Instant) {
      return ordering.holds(((Instant) x).compareTo((Instant) y));
    }
    if (x instanceof CelByteString && y instanceof CelByteString) {
      return ordering.holds(
          CelByteString.unsignedLexicographicalComparator()
              .compare((CelByteString) x, (CelByteString) y));
    }
    return null;
  }

  /**
   * CEL's {@code value in list}: an element equal by {@link Object#equals}, or, for a number, an
   * element equal by value.
   */
  static boolean inList(Object value, List<?> list) {
    if (list.contains(value)) {
      return true;
    }
    if (value instanceof Number) {
      for (Object element : list) {
        if (equal(element, value)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean numericEquals(Number x, Number y) {
    if (x instanceof Double) {
      double d = (Double) x;
      if (y instanceof Double) {
        return d == (Double) y;
      }
      if (y instanceof Long) {
        return compareDoubleInt(d, (Long) y) == 0;
      }
      if (y instanceof UnsignedLong) {
        return compareDoubleUint(d, (UnsignedLong) y) == 0;
      }
    } else if (x instanceof Long) {
      long l = (Long) x;
      if (y instanceof Long) {
        return l == (Long) y;
      }
      if (y instanceof Double) {
        return compareDoubleInt((Double) y, l) == 0;
      }
      if (y instanceof UnsignedLong) {
        return compareIntUint(l, (UnsignedLong) y) == 0;
      }
    } else if (x instanceof UnsignedLong) {
      if (y instanceof UnsignedLong) {
        return x.equals(y);
      }
      if (y instanceof Double) {
        return compareDoubleUint((Double) y, (UnsignedLong) x) == 0;
      }
      if (y instanceof Long) {
        return compareIntUint((Long) y, (UnsignedLong) x) == 0;
      }
    }
    return false;
  }

  private static boolean listsEqual(List<?> x, List<?> y) {
    if (x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      if (!equal(x.get(i), y.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean mapsEqual(Map<?, ?> x, Map<?, ?> y) {
    if (x.size() != y.size()) {
      return false;
    }
    for (Map.Entry<?, ?> entry : x.entrySet()) {
      // Attribute maps have string keys, which CEL looks up as they are.
      Object other = y.get(entry.getKey());
      if (other == null || !equal(entry.getValue(), other)) {
        return false;
      }
    }
    return true;
  }

  // The mixed comparisons below are CEL's: note the clamping at the ends of the int and uint
  // ranges, and that an int compares below every uint from Long.MAX_VALUE up, even that one.

  private static int compareDoubleInt(double d, long l) {
    if (d < INT_MIN_AS_DOUBLE) {
      return -1;
    }
    if (d > INT_MAX_AS_DOUBLE) {
      return 1;
    }
    return Double.compare(d, (double) l);
  }

  private static int compareDoubleUint(double d, UnsignedLong u) {
    if (d < 0.0) {
      return -1;
    }
    if (d > UINT_MAX_AS_DOUBLE) {
      return 1;
    }
    return Double.compare(d, u.doubleValue());
  }

  private static int compareIntUint(long l, UnsignedLong u) {
    if (l < 0 || u.compareTo(UINT_AS_INT_MAX) >= 0) {
      return -1;
    }
    return Long.compare(l, u.longValue());
  }
}
