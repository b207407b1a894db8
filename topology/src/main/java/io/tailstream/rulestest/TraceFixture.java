package io.tailstream.rulestest;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.OtlpTraceView;
import io.tailstream.rules.TraceView;

/**
 * A whole trace to evaluate rules on: its OTLP spans and why it is considered complete.
 *
 * @param data the spans, all of one trace
 * @param completion what {@code trace.completion} says
 */
public record TraceFixture(TracesData data, CompletionReason completion) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if {@code data} holds no span, a trace ID that is not 16
   *     bytes, or spans of more than one trace
   */
  public TraceFixture {
    requireNonNull(data, "data");
    requireNonNull(completion, "completion");
    OtlpTraceView.of(data, completion);
  }

  /** Returns the view that rules are evaluated on. */
  public TraceView view() {
    return OtlpTraceView.of(data, completion);
  }
}
