package io.tailstream.serdes.otlp;

import com.google.protobuf.WireFormat;
import java.util.Arrays;

/**
 * A reusable, growable output buffer for protobuf wire format. A rewriter writes each nested
 * message into its own sink, then appends it to its parent once its length is known.
 */
final class ByteSink {
  private byte[] bytes;
  private int size;

  ByteSink(int initialCapacity) {
    bytes = new byte[initialCapacity];
  }

  void write(byte[] source, int offset, int length) {
    ensureCapacity(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
  }

  /** Writes {@code value} as an unsigned varint. */
  void writeVarint(int value) {
    ensureCapacity(5);
    int remaining = value;
    while ((remaining & ~0x7f) != 0) {
      bytes[size++] = (byte) ((remaining & 0x7f) | 0x80);
      remaining >>>= 7;
    }
    bytes[size++] = (byte) remaining;
  }

  void writeLengthDelimited(int fieldNumber, byte[] payload) {
    writeVarint(fieldNumber << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED);
    writeVarint(payload.length);
    write(payload, 0, payload.length);
  }

  void writeLengthDelimited(int fieldNumber, ByteSink payload) {
    writeVarint(fieldNumber << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED);
    writeVarint(payload.size);
    write(payload.bytes, 0, payload.size);
  }

  void reset() {
    size = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  private void ensureCapacity(int extra) {
    if (bytes.length - size < extra) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
    }
  }
}
