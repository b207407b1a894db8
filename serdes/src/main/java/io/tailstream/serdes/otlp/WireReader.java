package io.tailstream.serdes.otlp;

import static io.tailstream.serdes.otlp.MalformedProtobufException.inField;
import static io.tailstream.serdes.otlp.MalformedProtobufException.inMessage;
import static io.tailstream.serdes.otlp.MalformedProtobufException.segment;
import static io.tailstream.serdes.otlp.MalformedProtobufException.where;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads protobuf wire format from a byte array without materializing messages, reporting every
 * problem as a {@link MalformedProtobufException} that names the offending field.
 *
 * <p>Its checks are those of protobuf-java's generated parsers: the same varint rules, UTF-8
 * validation of {@code string} fields, end-group matching and recursion limit. A walker that
 * checks every field, as {@link TraceSplitter} does with {@link OtlpMessageValidator}, accepts
 * exactly what protobuf-java parses, so consumers using protobuf-java can read what it passes.
 */
final class WireReader {
  /** Eight bytes of the buffer read as one long, for {@link #isAscii}. */
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /** The top bit of each of eight bytes: set only in bytes that are not ASCII. */
  private static final long HIGH_BITS = 0x8080808080808080L;

  /** protobuf-java's default; messages and groups both count, as in {@link CodedInputStream}. */
  static final int RECURSION_LIMIT = 100;

  private static final int MAX_VARINT_BYTES = 10;
  // Tags of the common KeyValue shape that skipPlainKeyValue reads.
  private static final int KEY_VALUE_KEY = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int KEY_VALUE_VALUE = 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int ANY_VALUE_STRING = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int ANY_VALUE_BOOL = 2 << 3 | WireFormat.WIRETYPE_VARINT;
  private static final int ANY_VALUE_INT = 3 << 3 | WireFormat.WIRETYPE_VARINT;
  private static final int ANY_VALUE_DOUBLE = 4 << 3 | WireFormat.WIRETYPE_FIXED64;
  /** Bits of the varints read without protobuf-java: those of at most nine bytes. */
  private static final int SHORT_VARINT_BITS = 63;

  private final byte[] buffer;
  /** Absolute offset of the next byte to read. */
  private int position;
  /** End of the current message: reading past it is reading past the message. */
  private int end;
  private int depth;
  /** Set by {@link #readRawVarint} when it refused a varint, for its caller to explain. */
  private boolean varintFailed;

  WireReader(byte[] buffer) {
    this.buffer = buffer;
    this.end = buffer.length;
  }

  /** Absolute offset of the next byte to read. */
  int position() {
    return position;
  }

  /** Reads the next tag of the current message; returns 0 at its end. */
  int readTag() throws MalformedProtobufException {
    int start = position;
    if (start == end) {
      return 0;
    }
    int tag = (int) readRawVarint(start, false);
    if (varintFailed) {
      throw varintFailure(start, "a field tag");
    }
    int number = WireFormat.getTagFieldNumber(tag);
    int wireType = WireFormat.getTagWireType(tag);
    if (number == 0) {
      throw inMessage(
          (path, parent) ->
              "malformed protobuf: " + where(path) + " has a field number 0 at byte " + start);
    }
    if (wireType > WireFormat.WIRETYPE_FIXED32) {
      throw inMessage(
          (path, parent) ->
              "malformed protobuf: "
                  + where(path)
                  + " has field "
                  + number
                  + " with invalid wire type "
                  + wireType
                  + " at byte "
                  + start);
    }
    return tag;
  }

  /**
   * Reads a varint as {@code CodedInputStream} does, within the current message: as {@code
   * readRawVarint64} if {@code wide}, else as {@code readRawVarint32}, whose callers keep the low
   * 32 bits.
   */
  private long readRawVarint(int start, boolean wide) {
    // Custom loop over the array instead of CodedInputStream: this runs for every field of every
    // span ingested, and a varint of one or two bytes is the common case.
    int p = start;
    long result = 0;
    for (int shift = 0; shift < SHORT_VARINT_BITS && p < end; shift += 7) {
      byte b = buffer[p++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        position = p;
        return result;
      }
    }
    // Long or cut short: protobuf-java's own reading decides, since its acceptance of the tenth
    // byte is subtle (and differs between its 32- and 64-bit reads), and the splitter must accept
    // exactly what it accepts.
    CodedInputStream in = CodedInputStream.newInstance(buffer, start, end - start);
    try {
      result = wide ? in.readRawVarint64() : in.readRawVarint32();
    } catch (IOException e) {
      // The caller explains the failure: its description is only built when needed.
      varintFailed = true;
      return 0;
    }
    position = start + in.getTotalBytesRead();
    return result;
  }

  /** Reads a varint as protobuf-java reads {@code int32}, {@code uint32} and enum fields. */
  int readVarint32(int fieldNumber) throws MalformedProtobufException {
    int start = position;
    int value = (int) readRawVarint(start, false);
    if (varintFailed) {
      throw varintFailure(start, "field " + fieldNumber);
    }
    return value;
  }

  /**
   * Skips a varint as protobuf-java reads {@code int32}, {@code uint32} and enum fields. These
   * accept fewer ten-byte varints than {@link #skipVarint64}: protobuf-java's 64-bit read takes
   * a tenth byte with its continuation bit set if its lowest bit is set too; its 32-bit read
   * does not.
   */
  void skipVarint32(int fieldNumber) throws MalformedProtobufException {
    skipVarint(fieldNumber, false);
  }

  /** Skips a varint as protobuf-java reads {@code int64}, {@code bool} and unknown fields. */
  void skipVarint64(int fieldNumber) throws MalformedProtobufException {
    skipVarint(fieldNumber, true);
  }

  private void skipVarint(int fieldNumber, boolean wide) throws MalformedProtobufException {
    int start = position;
    // Skip the common one-byte varint without building the error text of the slow path.
    if (start < end && buffer[start] >= 0) {
      position = start + 1;
      return;
    }
    readRawVarint(start, wide);
    if (varintFailed) {
      throw varintFailure(start, "field " + fieldNumber);
    }
  }

  long readFixed64(int fieldNumber) throws MalformedProtobufException {
    if (end - position < Long.BYTES) {
      throw endsInField(fieldNumber);
    }
    long value = (long) LONGS.get(buffer, position);
    position += Long.BYTES;
    return value;
  }

  void skipFixed32(int fieldNumber) throws MalformedProtobufException {
    if (end - position < Integer.BYTES) {
      throw endsInField(fieldNumber);
    }
    position += Integer.BYTES;
  }

  void skipFixed64(int fieldNumber) throws MalformedProtobufException {
    if (end - position < Long.BYTES) {
      throw endsInField(fieldNumber);
    }
    position += Long.BYTES;
  }

  /**
   * Reads the length prefix of a length-delimited field and checks that its payload lies within the
   * current message. {@code name} and {@code index} (-1 if not repeated) identify the field in
   * error messages.
   */
  int readLength(String name, int index) throws MalformedProtobufException {
    return readLength(name, 0, index);
  }

  /** Like {@link #readLength(String, int)}, naming the field by number unless {@code name}. */
  private int readLength(String name, int number, int index) throws MalformedProtobufException {
    int start = position;
    int length;
    if (start < end && buffer[start] >= 0) {
      length = buffer[start];
      position = start + 1;
    } else {
      length = (int) readRawVarint(start, false);
      if (varintFailed) {
        throw varintFailure(start, "the length of " + segment(fieldName(name, number), index));
      }
    }
    if (length >= 0 && length <= end - position) {
      return length;
    }
    String field = fieldName(name, number);
    if (length < 0) {
      throw inField(
          field,
          index,
          (path, parent) ->
              "malformed protobuf: " + path + " has a negative length (" + length + ")");
    }
    throw inField(
        field,
        index,
        (path, parent) ->
            "truncated protobuf: " + path + " ends past the end of " + where(parent));
  }

  private static String fieldName(String name, int number) {
    return name != null ? name : "field " + number;
  }

  /** Skips the payload of a length-delimited field whose length {@link #readLength} checked. */
  void skipBytes(int length) {
    position += length;
  }

  /**
   * Skips the next {@code length} bytes if they are a {@code KeyValue} of the common shape, a key
   * and a value that is an ASCII string, a boolean, an integer or a double, each field once; reads
   * nothing and returns false otherwise, for the general walk to check (and explain) it. Most of
   * what ingest validates is attributes of this shape.
   */
  boolean skipPlainKeyValue(int length) {
    if (depth + 2 > RECURSION_LIMIT) {
      return false;
    }
    int p = position;
    int limit = p + length;
    // The key: tag 1 (length-delimited), a one-byte length, ASCII.
    if (p + 2 > limit || buffer[p] != KEY_VALUE_KEY) {
      return false;
    }
    int keyLength = buffer[p + 1];
    p += 2;
    if (keyLength < 0 || keyLength > limit - p || !isAscii(p, keyLength)) {
      return false;
    }
    p += keyLength;
    // The value: tag 2 (length-delimited), a one-byte length, one field.
    if (p == limit) {
      position = p;
      return true;
    }
    if (p + 2 > limit || buffer[p] != KEY_VALUE_VALUE) {
      return false;
    }
    int valueLength = buffer[p + 1];
    p += 2;
    if (valueLength < 0 || valueLength != limit - p) {
      return false;
    }
    if (valueLength == 0) {
      position = p;
      return true;
    }
    int fieldTag = buffer[p++];
    switch (fieldTag) {
      case ANY_VALUE_STRING -> {
        int stringLength = p < limit ? buffer[p++] : -1;
        if (stringLength < 0 || stringLength != limit - p || !isAscii(p, stringLength)) {
          return false;
        }
        p += stringLength;
      }
      case ANY_VALUE_BOOL, ANY_VALUE_INT -> {
        int varintEnd = Math.min(limit, p + MAX_VARINT_BYTES - 1);
        while (p < varintEnd && buffer[p] < 0) {
          p++;
        }
        if (p == varintEnd) {
          return false; // long or cut short: the general walk decides
        }
        p++;
      }
      case ANY_VALUE_DOUBLE -> p += Long.BYTES;
      default -> {
        return false;
      }
    }
    if (p != limit) {
      return false;
    }
    position = p;
    return true;
  }

  /** Skips a {@code string} field's payload after checking that it is valid UTF-8. */
  void skipUtf8(int length, String name, int index) throws MalformedProtobufException {
    if (!isAscii(position(), length)
        && !UnsafeByteOperations.unsafeWrap(buffer, position(), length).isValidUtf8()) {
      throw inField(
          name, index, (path, parent) -> "malformed protobuf: " + path + " is not valid UTF-8");
    }
    skipBytes(length);
  }

  /**
   * Most OTLP strings are ASCII: checking that is cheaper than wrapping them for protobuf. Eight
   * bytes at a time: a byte is non-ASCII when its top bit is set.
   */
  private boolean isAscii(int start, int length) {
    int end = start + length;
    int i = start;
    for (; i <= end - Long.BYTES; i += Long.BYTES) {
      if (((long) LONGS.get(buffer, i) & HIGH_BITS) != 0) {
        return false;
      }
    }
    for (; i < end; i++) {
      if (buffer[i] < 0) {
        return false;
      }
    }
    return true;
  }


  /**
   * Makes the next {@code length} bytes the current message, after {@link #readLength} checked
   * them. Returns the token to pass to {@link #exitMessage}.
   */
  int enterMessage(int length, String name, int index) throws MalformedProtobufException {
    if (depth >= RECURSION_LIMIT) {
      throw inField(
          name,
          index,
          (path, parent) ->
              "malformed protobuf: "
                  + path
                  + " is nested more than "
                  + RECURSION_LIMIT
                  + " levels deep");
    }
    int outerEnd = end;
    end = position() + length;
    depth++;
    return outerEnd;
  }

  /** Returns to the enclosing message once the current one has been read to its end. */
  void exitMessage(int outerEnd) {
    end = outerEnd;
    depth--;
  }

  /** Skips a field that the walker does not interpret, including groups. */
  void skipField(int tag) throws MalformedProtobufException {
    int number = WireFormat.getTagFieldNumber(tag);
    switch (WireFormat.getTagWireType(tag)) {
      case WireFormat.WIRETYPE_VARINT -> skipVarint64(number);
      case WireFormat.WIRETYPE_FIXED64 -> skipFixed64(number);
      case WireFormat.WIRETYPE_LENGTH_DELIMITED -> skipBytes(readLength(null, number, -1));
      case WireFormat.WIRETYPE_START_GROUP -> skipGroup(number);
      case WireFormat.WIRETYPE_FIXED32 -> skipFixed32(number);
      case WireFormat.WIRETYPE_END_GROUP ->
          throw inMessage(
              (path, parent) ->
                  "malformed protobuf: "
                      + where(path)
                      + " has an end-group tag for field "
                      + number
                      + " without a matching start-group tag");
      default -> throw new IllegalStateException("readTag rejects wire type " + (tag & 7));
    }
  }

  private void skipGroup(int number) throws MalformedProtobufException {
    if (depth >= RECURSION_LIMIT) {
      throw inMessage(
          (path, parent) ->
              "malformed protobuf: group field "
                  + number
                  + " in "
                  + where(path)
                  + " is nested more than "
                  + RECURSION_LIMIT
                  + " levels deep");
    }
    depth++;
    while (true) {
      int tag = readTag();
      if (tag == 0) {
        throw inMessage(
            (path, parent) ->
                "truncated protobuf: group field "
                    + number
                    + " in "
                    + where(path)
                    + " has no end-group tag");
      }
      if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_END_GROUP) {
        int endNumber = WireFormat.getTagFieldNumber(tag);
        if (endNumber != number) {
          throw inMessage(
              (path, parent) ->
                  "malformed protobuf: group field "
                      + number
                      + " in "
                      + where(path)
                      + " is closed by an end-group tag for field "
                      + endNumber);
        }
        depth--;
        return;
      }
      skipField(tag);
    }
  }

  private MalformedProtobufException endsInField(int fieldNumber) {
    return inMessage(
        (path, parent) ->
            "truncated protobuf: " + where(path) + " ends in the middle of field " + fieldNumber);
  }

  /** CodedInputStream does not say why it refused a varint; the bytes left tell. */
  private MalformedProtobufException varintFailure(int start, String what) {
    if (end - start >= MAX_VARINT_BYTES) {
      return inMessage(
          (path, parent) ->
              "malformed protobuf: "
                  + where(path)
                  + " has a varint longer than 10 bytes in "
                  + what
                  + " at byte "
                  + start);
    }
    return inMessage(
        (path, parent) -> "truncated protobuf: " + where(path) + " ends in the middle of " + what);
  }
}
