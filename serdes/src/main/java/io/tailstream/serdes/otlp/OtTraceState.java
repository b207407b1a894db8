package io.tailstream.serdes.otlp;

import java.util.ArrayList;
import java.util.List;

/**
 * Sets the sampling threshold ({@code th}) of the OpenTelemetry {@code ot} member in a W3C {@code
 * tracestate}, as consistent probability sampling requires.
 */
final class OtTraceState {
  /** W3C Trace Context: a tracestate has at most 32 list members. */
  private static final int MAX_MEMBERS = 32;

  private static final int MAX_THRESHOLD_DIGITS = 14;
  private static final String OT_KEY = "ot=";
  private static final String THRESHOLD_KEY = "th:";

  private OtTraceState() {}

  /** Whether {@code threshold} is 1 to 14 lowercase hex digits, as the OpenTelemetry spec says. */
  static boolean isValidThreshold(String threshold) {
    if (threshold.isEmpty() || threshold.length() > MAX_THRESHOLD_DIGITS) {
      return false;
    }
    for (int i = 0; i < threshold.length(); i++) {
      char c = threshold.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns {@code traceState} with {@code th:threshold} in its {@code ot} member. The other
   * sub-keys of {@code ot} (such as {@code rv}) follow {@code th}, and other vendors' members are
   * kept in order. The {@code ot} member comes first, since W3C moves a modified member to the
   * front; when that makes more than 32 members, the last ones are dropped.
   */
  static String withThreshold(String traceState, String threshold) {
    String otValue = null;
    List<String> others = new ArrayList<>();
    for (String member : split(traceState, ',')) {
      String trimmed = trimOptionalWhitespace(member);
      if (trimmed.isEmpty()) {
        continue;
      }
      if (trimmed.startsWith(OT_KEY)) {
        // A second ot member is invalid; the first one wins.
        if (otValue == null) {
          otValue = trimmed.substring(OT_KEY.length());
        }
      } else if (others.size() < MAX_MEMBERS - 1) {
        others.add(trimmed);
      }
    }
    StringBuilder result = new StringBuilder(traceState.length() + 24);
    result.append(OT_KEY).append(THRESHOLD_KEY).append(threshold);
    if (otValue != null) {
      for (String subKey : split(otValue, ';')) {
        if (!subKey.isEmpty() && !subKey.startsWith(THRESHOLD_KEY)) {
          result.append(';').append(subKey);
        }
      }
    }
    for (String member : others) {
      result.append(',').append(member);
    }
    return result.toString();
  }

  private static List<String> split(String value, char separator) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) == separator) {
        parts.add(value.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(value.substring(start));
    return parts;
  }

  /** W3C's OWS: spaces and horizontal tabs. */
  private static String trimOptionalWhitespace(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && isOptionalWhitespace(value.charAt(start))) {
      start++;
    }
    while (end > start && isOptionalWhitespace(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isOptionalWhitespace(char c) {
    return c == ' ' || c == '\t';
  }
}
