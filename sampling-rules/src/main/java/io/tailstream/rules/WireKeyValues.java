package io.tailstream.rules;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The repeated {@code KeyValue} field of OTLP messages still in their wire form: a span's {@code
 * attributes} (field 9) or a resource's (field 1, over every occurrence of the resource, since
 * protobuf merges them). A lookup compares keys as bytes and decodes only the value it returns;
 * values other than strings, booleans, integers and doubles, and entries protobuf would merge,
 * are left to protobuf-java.
 */
final class WireKeyValues implements AttributeMapValue.KeyValueSource {
  private static final int KEY = 1 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int VALUE = 2 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int STRING = 1 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int BOOL = 2 << 3 | WireCursor.VARINT;
  private static final int INT = 3 << 3 | WireCursor.VARINT;
  private static final int DOUBLE = 4 << 3 | WireCursor.FIXED64;
  private static final int ARRAY = 5 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int KVLIST = 6 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int BYTES = 7 << 3 | WireCursor.LENGTH_DELIMITED;

  // The ints of one entry of the index.
  private static final int ENTRY_START = 0;
  private static final int ENTRY_LENGTH = 1;
  private static final int KEY_START = 2;
  private static final int KEY_LENGTH = 3;
  private static final int VALUE_START = 4;
  private static final int VALUE_END = 5;
  private static final int VALUE_COUNT = 6;
  private static final int INDEX_WIDTH = 7;

  private final byte[] buffer;
  /** Start and end of each message holding the field, in pairs. */
  private final int[] regions;
  private final int fieldTag;
  private volatile int[] index;
  private volatile List<KeyValue> parsed;

  /**
   * @param regions start and end offsets of each message holding the field, in pairs
   * @param fieldNumber the number of the repeated {@code KeyValue} field in those messages
   */
  WireKeyValues(byte[] buffer, int[] regions, int fieldNumber) {
    this.buffer = buffer;
    this.regions = regions;
    this.fieldTag = WireCursor.tag(fieldNumber, WireCursor.LENGTH_DELIMITED);
  }

  @Override
  public Object lookup(String key) {
    return first(key, false);
  }

  @Override
  public String firstString(String key) {
    return (String) first(key, true);
  }

  /** The value of the first key-value with this key whose value is set (and a string). */
  private Object first(String key, boolean onlyStrings) {
    int[] index = index();
    boolean ascii = WireCursor.isAscii(key);
    for (int i = 0; i < index.length; i += INDEX_WIDTH) {
      if (index[i + VALUE_COUNT] == 0 || !hasKey(index, i, key, ascii)) {
        continue; // a value not set is left out, so a later duplicate may count
      }
      // protobuf merges repeated occurrences of a message field: let it.
      Object value = index[i + VALUE_COUNT] > 1
          ? AttributeMapValue.scalarOrMarker(parse(index, i).getValue())
          : scalar(index[i + VALUE_START], index[i + VALUE_END]);
      if (value != null && (!onlyStrings || value instanceof String)) {
        return value;
      }
    }
    return null;
  }

  @Override
  public String text(String key) {
    int[] index = index();
    boolean ascii = WireCursor.isAscii(key);
    for (int i = 0; i < index.length; i += INDEX_WIDTH) {
      if (!hasKey(index, i, key, ascii)) {
        continue;
      }
      if (index[i + VALUE_COUNT] == 1
          && scalar(index[i + VALUE_START], index[i + VALUE_END]) instanceof String string) {
        return string;
      }
      return AnyValueText.canonical(parse(index, i).getValue());
    }
    return null;
  }

  private boolean hasKey(int[] index, int i, String key, boolean asciiKey) {
    return WireCursor.utf8Equals(
        buffer, index[i + KEY_START], index[i + KEY_LENGTH], key, asciiKey);
  }

  /**
   * Where each key-value lies, {@link #INDEX_WIDTH} ints per entry, in order: read once, as rules
   * look up several keys of each span they visit.
   */
  private int[] index() {
    int[] result = index;
    if (result == null) {
      result = new int[INDEX_WIDTH * 16];
      int size = 0;
      WireCursor message = new WireCursor(buffer, 0, 0);
      WireCursor entry = new WireCursor(buffer, 0, 0);
      for (int r = 0; r < regions.length; r += 2) {
        message.reset(regions[r], regions[r + 1]);
        for (int tag = message.readTag(); tag != 0; tag = message.readTag()) {
          if (tag != fieldTag) {
            message.skip(tag);
            continue;
          }
          int length = message.readLength();
          int start = message.payloadStart();
          if (size == result.length) {
            result = Arrays.copyOf(result, size * 2);
          }
          result[size + ENTRY_START] = start;
          result[size + ENTRY_LENGTH] = length;
          entry.reset(start, start + length);
          readEntry(entry, result, size);
          size += INDEX_WIDTH;
        }
      }
      result = Arrays.copyOf(result, size);
      index = result;
    }
    return result;
  }

  /** Records where a {@code KeyValue}'s last key and last value lie, and how many values. */
  private static void readEntry(WireCursor entry, int[] index, int i) {
    // An absent key is the empty string.
    index[i + KEY_START] = 0;
    index[i + KEY_LENGTH] = 0;
    index[i + VALUE_COUNT] = 0;
    for (int tag = entry.readTag(); tag != 0; tag = entry.readTag()) {
      if (tag == KEY) {
        index[i + KEY_LENGTH] = entry.readLength();
        index[i + KEY_START] = entry.payloadStart();
      } else if (tag == VALUE) {
        int length = entry.readLength();
        index[i + VALUE_START] = entry.payloadStart();
        index[i + VALUE_END] = entry.payloadStart() + length;
        index[i + VALUE_COUNT]++;
      } else {
        entry.skip(tag);
      }
    }
  }

  /** Decodes the single AnyValue of an entry, as {@link AttributeMapValue#scalarOrMarker}. */
  private Object scalar(int valueStart, int valueEnd) {
    WireCursor value = new WireCursor(buffer, valueStart, valueEnd);
    int lastTag = 0;
    int seen = 0;
    int payloadStart = 0;
    int payloadLength = 0;
    long bits = 0;
    for (int tag = value.readTag(); tag != 0; tag = value.readTag()) {
      if (tag == STRING || tag == ARRAY || tag == KVLIST || tag == BYTES) {
        payloadLength = value.readLength();
        payloadStart = value.payloadStart();
      } else if (tag == BOOL || tag == INT) {
        bits = value.readVarint();
      } else if (tag == DOUBLE) {
        bits = value.readFixed64();
      } else {
        value.skip(tag);
        continue;
      }
      lastTag = tag;
      seen++;
    }
    if (seen > 1) {
      // Several members of the oneof: the last wins, but repeated messages merge.
      return AttributeMapValue.scalarOrMarker(parseValue(valueStart, valueEnd));
    }
    if (lastTag == STRING) {
      return WireCursor.utf8(buffer, payloadStart, payloadLength);
    } else if (lastTag == BOOL) {
      return bits != 0;
    } else if (lastTag == INT) {
      return bits;
    } else if (lastTag == DOUBLE) {
      return Double.longBitsToDouble(bits);
    } else if (lastTag == 0) {
      return null;
    }
    return AttributeMapValue.NEEDS_CONVERSION;
  }

  private AnyValue parseValue(int valueStart, int valueEnd) {
    try {
      return AnyValue.parseFrom(
          UnsafeByteOperations.unsafeWrap(buffer, valueStart, valueEnd - valueStart));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed OTLP attribute value", e);
    }
  }

  private KeyValue parse(int[] index, int i) {
    try {
      return KeyValue.parseFrom(UnsafeByteOperations.unsafeWrap(
          buffer, index[i + ENTRY_START], index[i + ENTRY_LENGTH]));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed OTLP attribute", e);
    }
  }

  @Override
  public List<KeyValue> keyValues() {
    List<KeyValue> result = parsed;
    if (result == null) {
      int[] index = index();
      List<KeyValue> all = new ArrayList<>(index.length / INDEX_WIDTH);
      for (int i = 0; i < index.length; i += INDEX_WIDTH) {
        all.add(parse(index, i));
      }
      result = List.copyOf(all);
      parsed = result;
    }
    return result;
  }
}
