package io.tailstream.rules;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A trace as a CEL {@code tailstream.Trace}, with fields read from the view on selection. */
final class TraceValue extends ViewStruct<TraceValue> {

  private final TraceView trace;

  TraceValue(TraceView trace) {
    super(trace, TraceTypes.TRACE);
    this.trace = trace;
  }

  @Override
  public Object select(String field) {
    switch (field) {
      case "id":
        return trace.traceIdHex();
      case "duration":
        return Duration.ofNanos(trace.durationNanos());
      case "span_count":
        return (long) trace.spanCount();
      case "error_count":
        return (long) trace.errorCount();
      case "service_count":
        return (long) trace.serviceCount();
      case "has_root":
        return trace.root().isPresent();
      case "start":
        return Instant.ofEpochSecond(0L, trace.startUnixNano());
      case "completion":
        return trace.completion().label();
      default:
        throw new IllegalArgumentException("no such field '" + field + "' in a trace");
    }
  }

  /** Every field of a trace is always present. */
  @Override
  public Optional<Object> find(String field) {
    return Optional.of(select(field));
  }

  @Override
  public String toString() {
    return "tailstream.Trace{" + trace.traceIdHex() + '}';
  }
}
