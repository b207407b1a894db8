package io.tailstream.serdes.otlp;

import java.io.ByteArrayOutputStream;

/** Hand-written protobuf wire bytes, for inputs that protobuf-java builders cannot produce. */
final class WireBytes {
  private WireBytes() {}

  /** A length-delimited field whose payload is the concatenation of {@code parts}. */
  static byte[] len(int fieldNumber, byte[]... parts) {
    byte[] payload = concat(parts);
    return concat(varint(fieldNumber << 3 | 2), varint(payload.length), payload);
  }

  /** A length-delimited field that claims {@code declaredLength} bytes. */
  static byte[] lenClaiming(int fieldNumber, int declaredLength, byte[] payload) {
    return concat(varint(fieldNumber << 3 | 2), varint(declaredLength), payload);
  }

  static byte[] varintField(int fieldNumber, long value) {
    return concat(varint(fieldNumber << 3), varint(value));
  }

  static byte[] varint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long remaining = value;
    while ((remaining & ~0x7fL) != 0) {
      out.write((int) ((remaining & 0x7f) | 0x80));
      remaining >>>= 7;
    }
    out.write((int) remaining);
    return out.toByteArray();
  }

  static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
