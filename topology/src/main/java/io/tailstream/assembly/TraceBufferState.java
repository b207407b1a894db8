package io.tailstream.assembly;

import java.nio.ByteBuffer;

/**
 * What the assembly processor remembers about a trace it is still buffering. Times are wall-clock
 * milliseconds of this instance; {@code rootArrivalMs} is -1 until the root span arrives.
 */
record TraceBufferState(
    long firstArrivalMs,
    long lastArrivalMs,
    long rootArrivalMs,
    int spanCount,
    long bytes,
    int errorCount,
    int nextSeq,
    long minStartUnixNano,
    long maxEndUnixNano,
    long deadlineMs) {

  private static final byte VERSION = 1;
  private static final int ENCODED_BYTES = 1 + 8 + 8 + 8 + 4 + 8 + 4 + 4 + 8 + 8 + 8;

  static TraceBufferState first(long nowMs) {
    return new TraceBufferState(nowMs, nowMs, -1, 0, 0, 0, 0, 0, 0, Long.MAX_VALUE);
  }

  boolean rootSeen() {
    return rootArrivalMs >= 0;
  }

  /** This state with one more fragment appended at {@code nowMs}. */
  TraceBufferState append(BufferedFragment f, long nowMs) {
    long minStart = minStartUnixNano == 0 ? f.minStartUnixNano()
        : f.minStartUnixNano() == 0 ? minStartUnixNano
        : Math.min(minStartUnixNano, f.minStartUnixNano());
    return new TraceBufferState(
        firstArrivalMs,
        Math.max(lastArrivalMs, nowMs),
        rootArrivalMs < 0 && f.rootSpanCount() > 0 ? nowMs : rootArrivalMs,
        spanCount + f.spanCount(),
        bytes + f.payloadLength(),
        errorCount + f.errorCount(),
        nextSeq + 1,
        minStart,
        Math.max(maxEndUnixNano, f.maxEndUnixNano()),
        deadlineMs);
  }

  TraceBufferState withDeadline(long newDeadlineMs) {
    return new TraceBufferState(firstArrivalMs, lastArrivalMs, rootArrivalMs, spanCount, bytes,
        errorCount, nextSeq, minStartUnixNano, maxEndUnixNano, newDeadlineMs);
  }

  byte[] encode() {
    return ByteBuffer.allocate(ENCODED_BYTES)
        .put(VERSION)
        .putLong(firstArrivalMs)
        .putLong(lastArrivalMs)
        .putLong(rootArrivalMs)
        .putInt(spanCount)
        .putLong(bytes)
        .putInt(errorCount)
        .putInt(nextSeq)
        .putLong(minStartUnixNano)
        .putLong(maxEndUnixNano)
        .putLong(deadlineMs)
        .array();
  }

  static TraceBufferState decode(byte[] encoded) {
    if (encoded.length != ENCODED_BYTES || encoded[0] != VERSION) {
      throw new IllegalArgumentException("not a trace buffer state (length " + encoded.length + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(encoded, 1, ENCODED_BYTES - 1);
    return new TraceBufferState(b.getLong(), b.getLong(), b.getLong(), b.getInt(), b.getLong(),
        b.getInt(), b.getInt(), b.getLong(), b.getLong(), b.getLong());
  }
}
