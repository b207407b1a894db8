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

  /** The earliest span start, in nanoseconds since the Unix epoch. */
  long startUnixNano();

  /** The latest span end minus the earliest span start, in nanoseconds; never negative. */
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
