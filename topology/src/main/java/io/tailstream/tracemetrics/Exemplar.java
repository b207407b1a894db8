package io.tailstream.tracemetrics;

import com.google.protobuf.ByteString;

/**
 * A measurement of a kept span, attached to a data point so that a dashboard can jump from the
 * metric to the trace.
 *
 * @param traceId the 16-byte trace ID
 * @param spanId the 8-byte span ID
 * @param value the measured value, in the family's unit
 * @param epochNanos when the measurement was recorded
 */
public record Exemplar(ByteString traceId, ByteString spanId, double value, long epochNanos) {}
