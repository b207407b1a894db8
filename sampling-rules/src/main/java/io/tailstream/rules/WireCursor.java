package io.tailstream.rules;

import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format of OTLP messages from a byte array in place, one field at a
 * time, for the views that read a trace without parsing it into objects ({@link WireTraceView}).
 *
 * <p>It reads what protobuf-java parses: fields it does not know, or knows with another wire type,
 * are skipped, and a repeated occurrence of a field is for the caller to resolve as protobuf does
 * (the last scalar wins, messages merge). It does not validate UTF-8: the sampler's ingest did
 * that for every buffered byte. Malformed bytes throw {@link IllegalArgumentException}.
 */
final class WireCursor {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;
  /** protobuf-java's default nesting limit. */
  private static final int RECURSION_LIMIT = 100;

  private final byte[] buffer;
  private int position;
  private int end;
  /** Start of the payload of the last length-delimited field read by {@link #readLength()}. */
  private int payloadStart;

  WireCursor(byte[] buffer, int start, int end) {
    this.buffer = buffer;
    this.position = start;
    this.end = end;
  }

  /** A cursor over the payload of the length-delimited field just read. */
  WireCursor payload(int length) {
    return new WireCursor(buffer, payloadStart, payloadStart + length);
  }

  static int tag(int fieldNumber, int wireType) {
    return fieldNumber << 3 | wireType;
  }

  /** Moves to {@code position} within the same message, {@code end} its new end. */
  void reset(int newPosition, int newEnd) {
    this.position = newPosition;
    this.end = newEnd;
  }

  /** The next field's tag, or 0 at the end of the message. */
  int readTag() {
    if (position >= end) {
      return 0;
    }
    int tag = (int) readVarint();
    if (tag >>> 3 == 0) {
      throw malformed("a field number 0");
    }
    return tag;
  }

  long readVarint() {
    // Tags, lengths and most numbers fit in one or two bytes: read those without the loop.
    int p = position;
    if (p < end) {
      int first = buffer[p];
      if (first >= 0) {
        position = p + 1;
        return first;
      }
      if (p + 1 < end) {
        int second = buffer[p + 1];
        if (second >= 0) {
          position = p + 2;
          return (first & 0x7f) | second << 7;
        }
      }
    }
    return readLongVarint();
  }

  private long readLongVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position >= end) {
        throw malformed("a truncated varint");
      }
      byte b = buffer[position++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw malformed("a varint longer than 10 bytes");
  }

  long readFixed64() {
    if (end - position < Long.BYTES) {
      throw malformed("a truncated fixed64");
    }
    long result = 0;
    for (int i = Long.BYTES - 1; i >= 0; i--) {
      result = result << 8 | (buffer[position + i] & 0xffL);
    }
    position += Long.BYTES;
    return result;
  }

  /**
   * Reads a length prefix and moves past the payload, whose start {@link #payloadStart()} then
   * gives.
   */
  int readLength() {
    // protobuf-java reads lengths as 32-bit varints: higher bits are dropped.
    int length = (int) readVarint();
    if (length < 0 || length > end - position) {
      throw malformed("a length-delimited field past the end of its message");
    }
    payloadStart = position;
    position += length;
    return length;
  }

  int payloadStart() {
    return payloadStart;
  }

  /** Skips the value of a field whose tag was just read. */
  void skip(int tag) {
    switch (tag & 7) {
      case VARINT -> readVarint();
      case FIXED64 -> skipRaw(Long.BYTES);
      case LENGTH_DELIMITED -> readLength();
      case START_GROUP -> skipGroup(tag >>> 3, 1);
      case FIXED32 -> skipRaw(Integer.BYTES);
      default -> throw malformed("wire type " + (tag & 7) + " of field " + (tag >>> 3));
    }
  }

  private void skipRaw(int bytes) {
    if (end - position < bytes) {
      throw malformed("a truncated fixed-size field");
    }
    position += bytes;
  }

  private void skipGroup(int number, int depth) {
    if (depth > RECURSION_LIMIT) {
      throw malformed("groups nested more than " + RECURSION_LIMIT + " levels deep");
    }
    while (true) {
      int tag = readTag();
      if (tag == 0) {
        throw malformed("group " + number + " without an end");
      }
      if ((tag & 7) == END_GROUP) {
        if (tag >>> 3 != number) {
          throw malformed("group " + number + " closed by field " + (tag >>> 3));
        }
        return;
      }
      if ((tag & 7) == START_GROUP) {
        skipGroup(tag >>> 3, depth + 1);
      } else {
        skip(tag);
      }
    }
  }

  /** Decodes a {@code string} field's payload, which ingest checked to be UTF-8. */
  static String utf8(byte[] buffer, int start, int length) {
    return length == 0 ? "" : new String(buffer, start, length, StandardCharsets.UTF_8);
  }

  /**
   * Whether the UTF-8 bytes at {@code start} spell {@code text}, compared without decoding them
   * when the text is ASCII ({@code textIsAscii}, see {@link #isAscii(String)}).
   */
  static boolean utf8Equals(
      byte[] buffer, int start, int length, String text, boolean textIsAscii) {
    if (!textIsAscii) {
      // UTF-8 takes at least one byte per UTF-16 char.
      return length >= text.length() && utf8(buffer, start, length).equals(text);
    }
    if (length != text.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (buffer[start + i] != text.charAt(i)) {
        return false; // a byte above 0x7f never equals an ASCII char
      }
    }
    return true;
  }

  static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException malformed(String what) {
    return new IllegalArgumentException("malformed OTLP: " + what);
  }
}
