package io.tailstream.rules;

import dev.cel.runtime.CelVariableResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Resolves {@code trace}, {@code root} and {@code spans} for one evaluation of a rule set. Each
 * variable is built when the first rule reads it and then reused by later rules; one instance
 * serves one thread. The {@code when} predicates compiled to Java read the trace through it too.
 */
final class TraceVariables implements CelVariableResolver {

  private final TraceView trace;
  private TraceValue traceValue;
  private SpanValue rootValue;
  private List<SpanValue> spansValue;
  private SpanView rootSpan;

  TraceVariables(TraceView trace) {
    this.trace = trace;
  }

  /** The trace being decided. */
  TraceView trace() {
    return trace;
  }

  /**
   * The span that {@code root} reads: the root span, or {@link SpanValue#EMPTY_ROOT_SPAN} when it
   * has not arrived.
   */
  SpanView rootSpan() {
    if (rootSpan == null) {
      rootSpan = trace.root().orElse(SpanValue.EMPTY_ROOT_SPAN);
    }
    return rootSpan;
  }

  @Override
  public Optional<Object> find(String name) {
    switch (name) {
      case "trace":
        if (traceValue == null) {
          traceValue = new TraceValue(trace);
        }
        return Optional.of(traceValue);
      case "root":
        if (rootValue == null) {
          rootValue = trace.root().map(SpanValue::new).orElse(SpanValue.EMPTY_ROOT);
        }
        return Optional.of(rootValue);
      case "spans":
        if (spansValue == null) {
          spansValue = spanValues();
        }
        return Optional.of(spansValue);
      default:
        return Optional.empty();
    }
  }

  private List<SpanValue> spanValues() {
    List<SpanView> spans = trace.spans();
    List<SpanValue> values = new ArrayList<>(spans.size());
    for (SpanView span : spans) {
      values.add(new SpanValue(span));
    }
    return Collections.unmodifiableList(values);
  }
}
