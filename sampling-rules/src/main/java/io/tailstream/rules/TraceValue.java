package io.tailstream.rules;

import dev.cel.common.types.CelType;
import dev.cel.common.values.StructValue;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A trace as a CEL {@code tailstream.Trace}, with fields read from the view on selection. */
final class TraceValue extends StructValue<String, TraceValue> {

  private final TraceView trace;

  TraceValue(TraceView trace) {
    this.trace = trace;
  }

  /** Returns this value itself, for the reason given on {@link SpanValue#value()}. */
  @Override
  public TraceValue value() {
    return this;
  }

  @Override
  public boolean isZeroValue() {
    return false;
  }

  @Override
  public CelType celType() {
    return TraceTypes.TRACE;
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
  public boolean equals(Object other) {
    return other instanceof TraceValue && ((TraceValue) other).trace == trace;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(trace);
  }

  @Override
  public String toString() {
    return "tailstream.Trace{" + trace.traceIdHex() + '}';
  }
}
