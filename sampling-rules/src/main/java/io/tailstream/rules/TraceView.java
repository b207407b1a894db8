package io.tailstream.rules;

import java.util.List;
import java.util.Optional;

/** A read-only view of a whole trace, which is what rules are evaluated on. */
public interface TraceView {

  /** The 16-byte trace ID. Callers may modify the returned array. */
  byte[] traceId();

  /** The trace ID as 32 lowercase hex characters. */
  String traceIdHex();

  /** Every span of the trace. */
  List<SpanView> spans();

  /**
   * The span without a parent; the earliest one if there are several, or empty if the root span
   * has not arrived.
   */
  Optional<SpanView> root();

  /**
   * The earliest start of the spans whose clocks can be trusted, in nanoseconds since the Unix
   * epoch; 0 if there is none. Left out are spans with a zero (unset) start or end, and spans
   * whose end lies more than the view's clock-skew bound (1 hour by default) from the median
   * span end of the trace. A root span that starts after its child does not move the start: the
   * child's start counts.
   */
  long startUnixNano();

  /**
   * The latest end minus the earliest start of the spans counted by {@link #startUnixNano()}, in
   * nanoseconds; never negative. A span that ends before it starts counts as ending at its start.
   */
  long durationNanos();

  /** How many spans the trace has. */
  int spanCount();

  /** How many spans have status {@code ERROR}. */
  int errorCount();

  /** How many distinct {@link SpanView#service()} values the spans have. */
  int serviceCount();

  /** Why the trace was considered complete. */
  CompletionReason completion();
}
