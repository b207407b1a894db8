package io.tailstream.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or {@code 2d}. */
public final class DurationParser {
  private static final Pattern FORMAT = Pattern.compile("(-?\\d+)(ms|s|m|h|d)");

  private DurationParser() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException if the text is not a number followed by ms, s, m, h or d
   */
  public static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration");
    }
    long amount = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      case "h":
        return Duration.ofHours(amount);
      default:
        return Duration.ofDays(amount);
    }
  }

  /** Formats a duration in the largest unit that represents it exactly. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000L == 0 && ms != 0) {
      return ms / 86_400_000L + "d";
    } else if (ms % 3_600_000L == 0 && ms != 0) {
      return ms / 3_600_000L + "h";
    } else if (ms % 60_000L == 0 && ms != 0) {
      return ms / 60_000L + "m";
    } else if (ms % 1000L == 0) {
      return ms / 1000L + "s";
    }
    return ms + "ms";
  }
}
