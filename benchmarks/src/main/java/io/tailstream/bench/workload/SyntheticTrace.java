package io.tailstream.bench.workload;

import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * One generated trace.
 *
 * @param traceId the 16-byte trace ID; callers must not modify it
 * @param traceClass what kind of trace it is
 * @param hasRoot false when the root span was left out, as when an uninstrumented upstream
 *     started the trace; such a trace completes on {@code decision.wait}, not on its root
 * @param spans the spans in the order they end, which is the order SDKs export them
 */
public record SyntheticTrace(
    byte[] traceId, TraceClass traceClass, boolean hasRoot, List<EmittedSpan> spans) {

  public SyntheticTrace {
    spans = List.copyOf(spans);
  }

  public int spanCount() {
    return spans.size();
  }

  /**
   * A span with the service instance and instrumentation scope that emitted it.
   *
   * @param emitter the service instance and scope
   * @param span the OTLP span
   */
  public record EmittedSpan(Emitter emitter, Span span) {}
}
