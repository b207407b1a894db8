package io.tailstream.rules;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
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

  private final byte[] buffer;
  /** Start and end of each message holding the field, in pairs. */
  private final int[] regions;
  private final int fieldTag;
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
    WireCursor message = new WireCursor(buffer, 0, 0);
    WireCursor fields = new WireCursor(buffer, 0, 0);
    Entry entry = new Entry();
    for (int r = 0; r < regions.length; r += 2) {
      message.reset(regions[r], regions[r + 1]);
      for (int tag = message.readTag(); tag != 0; tag = message.readTag()) {
        if (tag != fieldTag) {
          message.skip(tag);
          continue;
        }
        int length = message.readLength();
        int start = message.payloadStart();
        fields.reset(start, start + length);
        entry.read(fields);
        if (!entry.hasKey(buffer, key) || entry.valueCount == 0) {
          continue; // a value not set is left out, so a later duplicate may count
        }
        // protobuf merges repeated occurrences of a message field: let it.
        Object value = entry.valueCount > 1
            ? AttributeMapValue.scalarOrMarker(parse(start, length).getValue())
            : scalar(entry);
        if (value != null && (!onlyStrings || value instanceof String)) {
          return value;
        }
      }
    }
    return null;
  }

  @Override
  public String text(String key) {
    WireCursor message = new WireCursor(buffer, 0, 0);
    WireCursor fields = new WireCursor(buffer, 0, 0);
    Entry entry = new Entry();
    for (int r = 0; r < regions.length; r += 2) {
      message.reset(regions[r], regions[r + 1]);
      for (int tag = message.readTag(); tag != 0; tag = message.readTag()) {
        if (tag != fieldTag) {
          message.skip(tag);
          continue;
        }
        int length = message.readLength();
        int start = message.payloadStart();
        fields.reset(start, start + length);
        entry.read(fields);
        if (!entry.hasKey(buffer, key)) {
          continue;
        }
        if (entry.valueCount == 1 && scalar(entry) instanceof String string) {
          return string;
        }
        return AnyValueText.canonical(parse(start, length).getValue());
      }
    }
    return null;
  }

  /** Decodes the single AnyValue of an entry, as {@link AttributeMapValue#scalarOrMarker}. */
  private Object scalar(Entry entry) {
    WireCursor value = new WireCursor(buffer, entry.valueStart, entry.valueEnd);
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
      return AttributeMapValue.scalarOrMarker(parseValue(entry));
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

  private AnyValue parseValue(Entry entry) {
    try {
      return AnyValue.parseFrom(
          UnsafeByteOperations.unsafeWrap(
              buffer, entry.valueStart, entry.valueEnd - entry.valueStart));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed OTLP attribute value", e);
    }
  }

  private KeyValue parse(int start, int length) {
    try {
      return KeyValue.parseFrom(
          UnsafeByteOperations.unsafeWrap(buffer, start, length));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed OTLP attribute", e);
    }
  }

  @Override
  public List<KeyValue> keyValues() {
    List<KeyValue> result = parsed;
    if (result == null) {
      List<KeyValue> all = new ArrayList<>();
      WireCursor message = new WireCursor(buffer, 0, 0);
      for (int r = 0; r < regions.length; r += 2) {
        message.reset(regions[r], regions[r + 1]);
        for (int tag = message.readTag(); tag != 0; tag = message.readTag()) {
          if (tag == fieldTag) {
            int length = message.readLength();
            all.add(parse(message.payloadStart(), length));
          } else {
            message.skip(tag);
          }
        }
      }
      result = List.copyOf(all);
      parsed = result;
    }
    return result;
  }

  /** Where a {@code KeyValue}'s key and value lie: the last key, and how many values. */
  private static final class Entry {
    int keyStart;
    int keyLength;
    int valueStart;
    int valueEnd;
    int valueCount;

    void read(WireCursor entry) {
      keyLength = 0; // an absent key is the empty string
      valueCount = 0;
      for (int tag = entry.readTag(); tag != 0; tag = entry.readTag()) {
        if (tag == KEY) {
          keyLength = entry.readLength();
          keyStart = entry.payloadStart();
        } else if (tag == VALUE) {
          int length = entry.readLength();
          valueStart = entry.payloadStart();
          valueEnd = valueStart + length;
          valueCount++;
        } else {
          entry.skip(tag);
        }
      }
    }

    boolean hasKey(byte[] buffer, String key) {
      return WireCursor.utf8Equals(buffer, keyStart, keyLength, key);
    }
  }
}
