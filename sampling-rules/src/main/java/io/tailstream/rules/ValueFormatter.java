package io.tailstream.rules;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Writes CEL values for people reading an {@link Explanation}: durations as {@code 1.2s}, strings
 * quoted, lists and maps cut short, spans by service and name.
 */
final class ValueFormatter {

  /** Lists and maps show this many elements, then how many more there are. */
  static final int MAX_ELEMENTS = 5;

  /** Strings longer than this are cut, to keep one value on one line. */
  static final int MAX_STRING_CHARS = 80;

  /** Below this depth, lists and maps only show their size. */
  private static final int MAX_DEPTH = 2;

  private static final int MAX_BYTES = 16;

  private static final BigDecimal NANOS_PER_MICRO = BigDecimal.valueOf(1_000L);
  private static final BigDecimal NANOS_PER_MILLI = BigDecimal.valueOf(1_000_000L);
  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  private ValueFormatter() {}

  /** Formats a value that CEL returned. */
  static String format(Object value) {
    StringBuilder out = new StringBuilder();
    append(out, value, 0);
    return out.toString();
  }

  /**
   * Formats a duration the way Go and the rules files write them: {@code 0s}, {@code 250ns}, {@code
   * 1.5us}, {@code 120ms}, {@code 1.2s}, {@code 2m30s}, {@code 1h0m5s}.
   */
  static String duration(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    String sign = duration.isNegative() ? "-" : "";
    Duration d = duration.abs();
    if (d.getSeconds() == 0) {
      long nanos = d.getNano();
      if (nanos < 1_000L) {
        return sign + nanos + "ns";
      } else if (nanos < 1_000_000L) {
        return sign + decimal(BigDecimal.valueOf(nanos), NANOS_PER_MICRO) + "us";
      }
      return sign + decimal(BigDecimal.valueOf(nanos), NANOS_PER_MILLI) + "ms";
    }
    long hours = d.getSeconds() / 3600;
    long minutes = d.getSeconds() % 3600 / 60;
    BigDecimal nanos =
        BigDecimal.valueOf(d.getSeconds() % 60)
            .multiply(NANOS_PER_SECOND)
            .add(BigDecimal.valueOf(d.getNano()));
    String seconds = decimal(nanos, NANOS_PER_SECOND) + "s";
    if (hours > 0) {
      return sign + hours + "h" + minutes + "m" + seconds;
    } else if (minutes > 0) {
      return sign + minutes + "m" + seconds;
    }
    return sign + seconds;
  }

  /** Writes a string as a double-quoted CEL string literal that reads back as {@code text}. */
  static String literal(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2);
    appendQuoted(out, text, text.length());
    return out.toString();
  }

  private static String decimal(BigDecimal nanos, BigDecimal unit) {
    return nanos.divide(unit).stripTrailingZeros().toPlainString();
  }

  private static void append(StringBuilder out, Object value, int depth) {
    if (value == null || value instanceof NullValue) {
      out.append("null");
    } else if (value instanceof String) {
      appendQuoted(out, (String) value);
    } else if (value instanceof Boolean || value instanceof Long || value instanceof Integer) {
      out.append(value);
    } else if (value instanceof Double) {
      out.append(value);
    } else if (value instanceof UnsignedLong) {
      out.append(value).append('u');
    } else if (value instanceof Duration) {
      out.append(duration((Duration) value));
    } else if (value instanceof com.google.protobuf.Duration) {
      com.google.protobuf.Duration proto = (com.google.protobuf.Duration) value;
      out.append(duration(Duration.ofSeconds(proto.getSeconds(), proto.getNanos())));
    } else if (value instanceof Instant) {
      out.append(value);
    } else if (value instanceof Timestamp) {
      Timestamp proto = (Timestamp) value;
      out.append(Instant.ofEpochSecond(proto.getSeconds(), proto.getNanos()));
    } else if (value instanceof ByteString) {
      appendBytes(out, ((ByteString) value).toByteArray());
    } else if (value instanceof CelByteString) {
      appendBytes(out, ((CelByteString) value).toByteArray());
    } else if (value instanceof SpanValue) {
      appendSpan(out, (SpanValue) value);
    } else if (value instanceof TraceValue) {
      out.append("trace{id: ");
      appendQuoted(out, (String) ((TraceValue) value).select("id"));
      out.append('}');
    } else if (value instanceof Optional) {
      Optional<?> optional = (Optional<?>) value;
      if (optional.isPresent()) {
        out.append("optional.of(");
        append(out, optional.get(), depth);
        out.append(')');
      } else {
        out.append("optional.none()");
      }
    } else if (value instanceof Collection) {
      appendList(out, (Collection<?>) value, depth);
    } else if (value instanceof Map) {
      appendMap(out, (Map<?, ?>) value, depth);
    } else {
      out.append(value);
    }
  }

  private static void appendSpan(StringBuilder out, SpanValue span) {
    out.append("span{service: ");
    appendQuoted(out, (String) span.select("service"));
    out.append(", name: ");
    appendQuoted(out, (String) span.select("name"));
    out.append('}');
  }

  private static void appendList(StringBuilder out, Collection<?> list, int depth) {
    if (depth >= MAX_DEPTH && !list.isEmpty()) {
      out.append("[").append(list.size()).append(list.size() == 1 ? " item]" : " items]");
      return;
    }
    out.append('[');
    Iterator<?> elements = list.iterator();
    for (int i = 0; elements.hasNext(); i++) {
      Object element = elements.next();
      if (i > 0) {
        out.append(", ");
      }
      if (i == MAX_ELEMENTS) {
        out.append("... ").append(list.size() - MAX_ELEMENTS).append(" more");
        break;
      }
      append(out, element, depth + 1);
    }
    out.append(']');
  }

  private static void appendMap(StringBuilder out, Map<?, ?> map, int depth) {
    if (depth >= MAX_DEPTH && !map.isEmpty()) {
      out.append("{").append(map.size()).append(map.size() == 1 ? " entry}" : " entries}");
      return;
    }
    out.append('{');
    Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
    for (int i = 0; entries.hasNext(); i++) {
      Map.Entry<?, ?> entry = entries.next();
      if (i > 0) {
        out.append(", ");
      }
      if (i == MAX_ELEMENTS) {
        out.append("... ").append(map.size() - MAX_ELEMENTS).append(" more");
        break;
      }
      append(out, entry.getKey(), depth + 1);
      out.append(": ");
      append(out, entry.getValue(), depth + 1);
    }
    out.append('}');
  }

  private static void appendBytes(StringBuilder out, byte[] bytes) {
    out.append("b\"");
    for (int i = 0; i < Math.min(bytes.length, MAX_BYTES); i++) {
      int b = bytes[i] & 0xff;
      if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
        out.append((char) b);
      } else {
        out.append(String.format("\\x%02x", b));
      }
    }
    if (bytes.length > MAX_BYTES) {
      out.append("...");
    }
    out.append('"');
    if (bytes.length > MAX_BYTES) {
      out.append(" (").append(bytes.length).append(" bytes)");
    }
  }

  private static void appendQuoted(StringBuilder out, String text) {
    int length = text.codePointCount(0, text.length());
    if (length <= MAX_STRING_CHARS) {
      appendQuoted(out, text, text.length());
      return;
    }
    appendQuoted(out, text, text.offsetByCodePoints(0, MAX_STRING_CHARS));
    out.insert(out.length() - 1, "...").append(" (").append(length).append(" chars)");
  }

  /** Appends {@code text.substring(0, end)} as a double-quoted CEL string literal. */
  private static void appendQuoted(StringBuilder out, String text, int end) {
    out.append('"');
    for (int i = 0; i < end; ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out.append(String.format("\\x%02x", c));
          } else {
            out.appendCodePoint(c);
          }
      }
    }
    out.append('"');
  }
}
