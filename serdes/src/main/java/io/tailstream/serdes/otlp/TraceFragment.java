package io.tailstream.serdes.otlp;

import java.util.Arrays;
import java.util.Objects;

/**
 * The spans of one trace taken from one input record, as a serialized OTLP {@code TracesData} that
 * keeps each span under its original resource and instrumentation scope.
 *
 * <p>For speed, the arrays are neither copied on construction nor on access: callers must not
 * mutate them. {@link #equals}, {@link #hashCode} and {@link #toString} use their contents.
 *
 * @param traceId the 16-byte trace ID shared by every span of the fragment
 * @param tracesData serialized {@code opentelemetry.proto.trace.v1.TracesData}
 * @param spanCount number of spans
 * @param rootSpanCount number of spans without a parent span ID
 * @param errorCount number of spans whose status code is {@code STATUS_CODE_ERROR}
 * @param minStartUnixNano earliest non-zero span start time in nanoseconds since the Unix epoch, or
 *     0 if no span has one
 * @param maxEndUnixNano latest non-zero span end time in nanoseconds since the Unix epoch, or 0 if
 *     no span has one
 */
public record TraceFragment(
    byte[] traceId,
    byte[] tracesData,
    int spanCount,
    int rootSpanCount,
    int errorCount,
    long minStartUnixNano,
    long maxEndUnixNano) {

  /**
   * Validates the fragment.
   *
   * @throws IllegalArgumentException if the trace ID is not 16 bytes, a count is negative, or the
   *     root or error count exceeds the span count
   */
  public TraceFragment {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(tracesData, "tracesData");
    if (traceId.length != TraceIds.BYTES) {
      throw new IllegalArgumentException(
          "traceId must be " + TraceIds.BYTES + " bytes, but it has " + traceId.length);
    }
    if (spanCount < 0) {
      throw new IllegalArgumentException("spanCount was " + spanCount + " but it must be >= 0");
    }
    if (rootSpanCount < 0 || rootSpanCount > spanCount) {
      throw new IllegalArgumentException(
          "rootSpanCount was " + rootSpanCount + " but it must be in [0, " + spanCount + "]");
    }
    if (errorCount < 0 || errorCount > spanCount) {
      throw new IllegalArgumentException(
          "errorCount was " + errorCount + " but it must be in [0, " + spanCount + "]");
    }
  }

  /** Returns the trace ID as 32 lowercase hex digits. */
  public String traceIdHex() {
    return Hex.encode(traceId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TraceFragment that
        && Arrays.equals(traceId, that.traceId)
        && Arrays.equals(tracesData, that.tracesData)
        && spanCount == that.spanCount
        && rootSpanCount == that.rootSpanCount
        && errorCount == that.errorCount
        && minStartUnixNano == that.minStartUnixNano
        && maxEndUnixNano == that.maxEndUnixNano;
  }

  @Override
  public int hashCode() {
    int result = Arrays.hashCode(traceId);
    result = 31 * result + Arrays.hashCode(tracesData);
    result = 31 * result + spanCount;
    result = 31 * result + rootSpanCount;
    result = 31 * result + errorCount;
    result = 31 * result + Long.hashCode(minStartUnixNano);
    return 31 * result + Long.hashCode(maxEndUnixNano);
  }

  @Override
  public String toString() {
    return "TraceFragment[traceId="
        + traceIdHex()
        + ", tracesData="
        + tracesData.length
        + " bytes, spanCount="
        + spanCount
        + ", rootSpanCount="
        + rootSpanCount
        + ", errorCount="
        + errorCount
        + ", minStartUnixNano="
        + minStartUnixNano
        + ", maxEndUnixNano="
        + maxEndUnixNano
        + ']';
  }
}
