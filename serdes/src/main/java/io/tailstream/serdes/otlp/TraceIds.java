package io.tailstream.serdes.otlp;

import java.util.Objects;

/** Conversions between 16-byte trace IDs and their 32-character lowercase hex form. */
public final class TraceIds {
  /** Length of a trace ID in bytes. */
  public static final int BYTES = 16;

  private TraceIds() {}

  /**
   * Returns the trace ID as 32 lowercase hex digits, the key format of Tailstream's output topics.
   *
   * @throws IllegalArgumentException if {@code traceId} is not 16 bytes long
   */
  public static String toHex(byte[] traceId) {
    Objects.requireNonNull(traceId, "traceId");
    if (traceId.length != BYTES) {
      throw new IllegalArgumentException(
          "trace ID must be " + BYTES + " bytes, but it has " + traceId.length);
    }
    return Hex.encode(traceId);
  }

  /**
   * Parses a trace ID from 32 hex digits; upper case is accepted, as OTLP JSON examples use it.
   *
   * @throws IllegalArgumentException if {@code hex} is not 32 hex digits
   */
  public static byte[] fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    return Hex.decode(hex, BYTES, "trace ID");
  }
}
