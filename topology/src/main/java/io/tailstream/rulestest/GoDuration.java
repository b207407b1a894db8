package io.tailstream.rulestest;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations written the way Go and CEL's {@code duration()} write them: a sequence of
 * decimal numbers, each with a unit, such as {@code 120ms}, {@code 1.5s}, {@code 1m30s} or {@code
 * 250us}. Units are {@code ns}, {@code us} (or {@code \u00b5s}), {@code ms}, {@code s}, {@code m}
 * and {@code h}; {@code 0} needs no unit.
 */
final class GoDuration {

  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|\u00b5s|ms|s|m|h)");
  private static final Map<String, BigDecimal> NANOS_PER_UNIT =
      Map.of(
          "ns", BigDecimal.ONE,
          "us", BigDecimal.valueOf(1_000L),
          "\u00b5s", BigDecimal.valueOf(1_000L),
          "ms", BigDecimal.valueOf(1_000_000L),
          "s", BigDecimal.valueOf(1_000_000_000L),
          "m", BigDecimal.valueOf(60_000_000_000L),
          "h", BigDecimal.valueOf(3_600_000_000_000L));

  private GoDuration() {}

  /**
   * Parses a non-negative duration.
   *
   * @throws IllegalArgumentException if {@code text} is not a duration; the message says what a
   *     duration looks like
   */
  static Duration parse(String text) {
    String trimmed = text.strip();
    if (trimmed.equals("0")) {
      return Duration.ZERO;
    }
    Matcher part = PART.matcher(trimmed);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (end < trimmed.length() && part.find(end) && part.start() == end) {
      nanos = nanos.add(new BigDecimal(part.group(1)).multiply(NANOS_PER_UNIT.get(part.group(2))));
      end = part.end();
    }
    if (end == 0 || end != trimmed.length()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration: write a number and a unit, like 120ms, 1.5s or 2m");
    }
    BigDecimal[] seconds = nanos.divideAndRemainder(NANOS_PER_UNIT.get("s"));
    try {
      return Duration.ofSeconds(seconds[0].longValueExact(), seconds[1].longValue());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration", e);
    }
  }
}
