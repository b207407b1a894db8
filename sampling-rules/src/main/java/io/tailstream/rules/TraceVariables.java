package io.tailstream.rules;

import dev.cel.runtime.CelVariableResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Resolves {@code trace}, {@code root} and {@code spans} for one evaluation of a rule set. Each
 * variable is built when the first rule reads it and then reused by later rules; one instance
 * serves one thread.
 */
final class TraceVariables implements CelVariableResolver {

  private final TraceView trace;
  private TraceValue traceValue;
  private SpanValue rootValue;
  private List<SpanValue> spansValue;

  TraceVariables(TraceView trace) {
    this.trace = trace;
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
