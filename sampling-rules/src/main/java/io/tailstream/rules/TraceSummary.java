package io.tailstream.rules;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a trace view computes once over its spans: the root, the error and service counts, and a
 * start and duration that broken clocks cannot make negative or absurd (the rules are on {@link
 * OtlpTraceView}).
 */
record TraceSummary(OtlpSpan root, long startUnixNano, long durationNanos, int errorCount,
    int serviceCount, OtlpTraceView.ClockSkew clockSkew) {

  static TraceSummary of(List<? extends OtlpSpan> spans, Duration maxClockSkew) {
    OtlpSpan root = null;
    int errors = 0;
    Set<String> services = new HashSet<>();
    for (OtlpSpan span : spans) {
      services.add(span.service());
      if (span.isError()) {
        errors++;
      }
      if (!span.hasParent() && (root == null || span.startUnixNano() < root.startUnixNano())) {
        root = span;
      }
    }
    long median = medianPlausibleEnd(spans);
    long skewNanos = saturatedNanos(maxClockSkew);
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int zero = 0;
    int outliers = 0;
    int negative = 0;
    for (OtlpSpan span : spans) {
      if (!span.hasPlausibleTimestamps()) {
        zero++;
        continue;
      }
      long spanEnd = span.clampedEndUnixNano();
      if (Math.abs(spanEnd - median) > skewNanos) {
        outliers++;
        continue;
      }
      if (span.endsBeforeStart()) {
        negative++;
      }
      start = Math.min(start, span.startUnixNano());
      end = Math.max(end, spanEnd);
    }
    if (start == Long.MAX_VALUE) {
      start = 0L; // no span with a trustworthy clock
      end = 0L;
    }
    return new TraceSummary(root, start, end - start, errors, services.size(),
        new OtlpTraceView.ClockSkew(zero, outliers, negative));
  }

  /** Checks a clock-skew bound given to a view's factory. */
  static void requirePositive(Duration maxClockSkew) {
    if (maxClockSkew.isNegative() || maxClockSkew.isZero()) {
      throw new IllegalArgumentException("maxClockSkew must be positive");
    }
  }

  /** The lower median of the plausible spans' clamped ends; 0 if no span is plausible. */
  private static long medianPlausibleEnd(List<? extends OtlpSpan> spans) {
    long[] ends = new long[spans.size()];
    int n = 0;
    for (OtlpSpan span : spans) {
      if (span.hasPlausibleTimestamps()) {
        ends[n++] = span.clampedEndUnixNano();
      }
    }
    if (n == 0) {
      return 0L;
    }
    Arrays.sort(ends, 0, n);
    return ends[(n - 1) / 2];
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
