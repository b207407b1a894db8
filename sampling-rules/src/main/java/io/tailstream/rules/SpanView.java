package io.tailstream.rules;

import java.util.Map;

/**
 * A read-only view of one span, as rules see it.
 *
 * <p>Attribute values keep their OTLP types: {@link String}, {@link Long}, {@link Double},
 * {@link Boolean}, {@link java.util.List} (for arrays), {@code Map<String, Object>} (for key-value
 * lists) and {@link com.google.protobuf.ByteString} (for bytes).
 */
public interface SpanView {

  /** The resource attribute {@code service.name}, or {@code ""} if it is absent. */
  String service();

  /** The span name. */
  String name();

  /**
   * The span kind: {@code INTERNAL}, {@code SERVER}, {@code CLIENT}, {@code PRODUCER},
   * {@code CONSUMER} or {@code UNSPECIFIED}.
   */
  String kind();

  /** The status code: {@code OK}, {@code ERROR} or {@code UNSET}. */
  String status();

  /** Start time, in nanoseconds since the Unix epoch. */
  long startUnixNano();

  /**
   * End minus start, in nanoseconds; never negative. A span that ends before it starts has
   * duration 0, and so has a span whose start or end is zero (unset).
   */
  long durationNanos();

  /** The span's attributes, unmodifiable, in their OTLP order. */
  Map<String, Object> attributes();

  /** The attributes of the span's resource, unmodifiable, in their OTLP order. */
  Map<String, Object> resource();

  /** The W3C {@code tracestate} of the span, or {@code ""}. */
  String traceState();
}
