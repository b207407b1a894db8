package io.tailstream.rulestest;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One span of a {@link CompactTrace}, as an SRE writes it in a cases file.
 *
 * @param id the span's local name, which other spans use as their {@code parent}; null if none
 *     refers to it
 * @param parent the {@code id} of the parent span, or null for a root span
 * @param service the resource attribute {@code service.name}
 * @param name the span name
 * @param kind the span kind, or null for the default: {@code SERVER} for a root span, {@code
 *     INTERNAL} for the others
 * @param start the start, as an offset from the trace's start
 * @param duration end minus start
 * @param status the status code
 * @param attributes the span attributes, in order: {@link String}, {@link Long}, {@link Double},
 *     {@link Boolean}, {@code byte[]}, {@link java.util.List} or {@link Map} values
 * @param resource further resource attributes of the service, in order, typed like {@code
 *     attributes}
 * @param traceState the W3C {@code tracestate}, or {@code ""}
 */
public record CompactSpan(
    String id,
    String parent,
    String service,
    String name,
    SpanKind kind,
    Duration start,
    Duration duration,
    StatusCode status,
    Map<String, Object> attributes,
    Map<String, Object> resource,
    String traceState) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if {@code start} or {@code duration} is negative
   */
  public CompactSpan {
    requireNonNull(service, "service");
    requireNonNull(name, "name");
    requireNonNull(start, "start");
    requireNonNull(duration, "duration");
    requireNonNull(status, "status");
    requireNonNull(traceState, "traceState");
    if (start.isNegative() || duration.isNegative()) {
      throw new IllegalArgumentException("start and duration must not be negative");
    }
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    resource = Collections.unmodifiableMap(new LinkedHashMap<>(resource));
  }

  /** Starts a span of {@code service} named {@code name}, lasting {@code duration}. */
  public static Builder newBuilder(String service, String name, Duration duration) {
    return new Builder(service, name, duration);
  }

  /** Builds a {@link CompactSpan}; every field but service, name and duration is optional. */
  public static final class Builder {
    private String id;
    private String parent;
    private final String service;
    private final String name;
    private SpanKind kind;
    private Duration start = Duration.ZERO;
    private final Duration duration;
    private StatusCode status = StatusCode.STATUS_CODE_UNSET;
    private final Map<String, Object> attributes = new LinkedHashMap<>();
    private final Map<String, Object> resource = new LinkedHashMap<>();
    private String traceState = "";

    private Builder(String service, String name, Duration duration) {
      this.service = service;
      this.name = name;
      this.duration = duration;
    }

    public Builder id(String id) {
      this.id = id;
      return this;
    }

    public Builder parent(String parent) {
      this.parent = parent;
      return this;
    }

    public Builder kind(SpanKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder start(Duration start) {
      this.start = start;
      return this;
    }

    public Builder status(StatusCode status) {
      this.status = status;
      return this;
    }

    public Builder attribute(String key, Object value) {
      attributes.put(key, value);
      return this;
    }

    public Builder resourceAttribute(String key, Object value) {
      resource.put(key, value);
      return this;
    }

    public Builder traceState(String traceState) {
      this.traceState = traceState;
      return this;
    }

    public CompactSpan build() {
      return new CompactSpan(
          id,
          parent,
          service,
          name,
          kind,
          start,
          duration,
          status,
          attributes,
          resource,
          traceState);
    }
  }
}
