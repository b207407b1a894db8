package io.tailstream.assembly;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * Byte layouts of the assembly stores' keys. All are big-endian so that RocksDB's lexicographic
 * order is numeric order.
 */
final class StoreKeys {
  static final int TRACE_ID_BYTES = 16;

  private StoreKeys() {}

  /** Fragment key: {@code traceId:16 | seq:4}. */
  static Bytes fragment(byte[] traceId, int seq) {
    return Bytes.wrap(ByteBuffer.allocate(TRACE_ID_BYTES + 4).put(traceId).putInt(seq).array());
  }

  /** Time index key: {@code deadlineMs:8 | traceId:16}. */
  static Bytes deadline(long deadlineMs, byte[] traceId) {
    return Bytes.wrap(ByteBuffer.allocate(8 + TRACE_ID_BYTES).putLong(deadlineMs).put(traceId).array());
  }

  /** The smallest time index key with a deadline after {@code deadlineMs}. */
  static Bytes deadlineUpperBound(long deadlineMs) {
    byte[] max = new byte[TRACE_ID_BYTES];
    Arrays.fill(max, (byte) 0xff);
    return deadline(deadlineMs, max);
  }

  static long deadlineOf(Bytes indexKey) {
    return ByteBuffer.wrap(indexKey.get()).getLong();
  }

  static byte[] traceIdOfDeadline(Bytes indexKey) {
    return Arrays.copyOfRange(indexKey.get(), 8, 8 + TRACE_ID_BYTES);
  }
}
