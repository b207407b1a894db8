package io.tailstream.assembly;

import java.nio.ByteBuffer;

/**
 * A trace fragment as it travels through the repartition topic and rests in the fragment store: a
 * fixed header with the fragment's span statistics, followed by the fragment's serialized OTLP
 * {@code TracesData}, untouched.
 *
 * <p>Layout: {@code version:1 | spanCount:4 | rootSpanCount:4 | errorCount:4 | minStart:8 |
 * maxEnd:8 | tracesData...}. The header lets the assembly processor update a trace's state without
 * parsing spans.
 */
record BufferedFragment(
    int spanCount, int rootSpanCount, int errorCount, long minStartUnixNano, long maxEndUnixNano,
    byte[] encoded) {

  static final byte VERSION = 1;
  static final int HEADER_BYTES = 1 + 4 + 4 + 4 + 8 + 8;

  /** Encodes the header and payload into one array. */
  static byte[] encode(
      int spanCount, int rootSpanCount, int errorCount, long minStart, long maxEnd,
      byte[] tracesData) {
    return ByteBuffer.allocate(HEADER_BYTES + tracesData.length)
        .put(VERSION)
        .putInt(spanCount)
        .putInt(rootSpanCount)
        .putInt(errorCount)
        .putLong(minStart)
        .putLong(maxEnd)
        .put(tracesData)
        .array();
  }

  /**
   * Reads the header of an encoded fragment.
   *
   * @throws IllegalArgumentException if the bytes are not an encoded fragment
   */
  static BufferedFragment decode(byte[] encoded) {
    if (encoded == null || encoded.length < HEADER_BYTES || encoded[0] != VERSION) {
      throw new IllegalArgumentException("not a buffered trace fragment (length "
          + (encoded == null ? "null" : encoded.length) + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(encoded, 1, HEADER_BYTES - 1);
    return new BufferedFragment(
        b.getInt(), b.getInt(), b.getInt(), b.getLong(), b.getLong(), encoded);
  }

  /** Length of the OTLP payload after the header. */
  int payloadLength() {
    return encoded.length - HEADER_BYTES;
  }
}
