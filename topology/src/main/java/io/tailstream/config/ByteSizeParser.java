package io.tailstream.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses sizes written as a whole number of bytes ({@code 1048576}) or with a unit: {@code k},
 * {@code m}, {@code g} optionally followed by {@code b} or {@code ib}, in any case ({@code 64m},
 * {@code 128MB}, {@code 1GiB}, {@code 512KiB}). Every unit is a power of 1024, as in the JVM's
 * {@code -Xmx}: {@code 128MB} and {@code 128MiB} both mean 134,217,728 bytes.
 */
public final class ByteSizeParser {
  private static final Pattern FORMAT =
      Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");
  private static final long KIB = 1024L;
  private static final long MIB = KIB * 1024;
  private static final long GIB = MIB * 1024;

  private ByteSizeParser() {}

  /**
   * Parses a size.
   *
   * @return the size in bytes
   * @throws IllegalArgumentException if the text is not a whole number with an optional unit, or
   *     the size does not fit in a {@code long}
   */
  public static long parse(String text) {
    Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size");
    }
    long amount;
    try {
      amount = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("too large", e);
    }
    String unit = m.group(2) == null ? "b" : m.group(2);
    long multiplier = switch (unit.charAt(0)) {
      case 'k' -> KIB;
      case 'm' -> MIB;
      case 'g' -> GIB;
      default -> 1L;
    };
    try {
      return Math.multiplyExact(amount, multiplier);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("too large", e);
    }
  }

  /** Formats a size in the largest binary unit that represents it exactly, e.g. {@code 8MiB}. */
  public static String format(long bytes) {
    if (bytes != 0 && bytes % GIB == 0) {
      return bytes / GIB + "GiB";
    } else if (bytes != 0 && bytes % MIB == 0) {
      return bytes / MIB + "MiB";
    } else if (bytes != 0 && bytes % KIB == 0) {
      return bytes / KIB + "KiB";
    }
    return bytes + "B";
  }
}
