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
  private int indexLength;
  /** Whether a lookup has scanned the entries already, so that the next one indexes them. */
  private boolean looked;
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

  // What a scan for a key's first set value does with it.
  private static final int READ_ANY = 0;
  private static final int READ_STRING = 1;
  private static final int TEST_PRESENCE = 2;
  private static final int MATCH_TEXTS = 3;

  @Override
  public Object lookup(String key) {
    return first(key, READ_ANY, null, null);
  }

  @Override
  public String firstString(String key) {
    return (String) first(key, READ_STRING, null, null);
  }

  @Override
  public boolean has(String key) {
    return first(key, TEST_PRESENCE, null, null) != null;
  }

  @Override
  public int matchString(String key, String[] texts, boolean[] textsAscii) {
    Object match = first(key, MATCH_TEXTS, texts, textsAscii);
    return match == null ? AttributeMapValue.ABSENT : (Integer) match;
  }

  /**
   * Scans for the first key-value with this key whose value is set (and a string, for {@link
   * #READ_STRING}), and returns what {@code mode} asks of it: the value; {@link Boolean#TRUE} for
   * {@link #TEST_PRESENCE}; for {@link #MATCH_TEXTS}, what {@link #matchString} returns. Null if
   * there is none.
   */
  private Object first(String key, int mode, String[] texts, boolean[] textsAscii) {
    boolean ascii = WireCursor.isAscii(key);
    int[] found = index;
    if (found == null && !looked) {
      // One lookup, such as a resource's service.name, reads the entries without indexing them.
      looked = true;
      Entries entries = new Entries();
      int[] entry = new int[INDEX_WIDTH];
      while (entries.next(entry, 0)) {
        Object value = valueIfMatches(entry, 0, key, ascii, mode, texts, textsAscii);
        if (value != null) {
          return value;
        }
      }
      return null;
    }
    found = index();
    for (int i = 0; i < indexLength; i += INDEX_WIDTH) {
      Object value = valueIfMatches(found, i, key, ascii, mode, texts, textsAscii);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  private Object valueIfMatches(int[] entries, int i, String key, boolean ascii, int mode,
      String[] texts, boolean[] textsAscii) {
    if (entries[i + VALUE_COUNT] == 0 || !hasKey(entries, i, key, ascii)) {
      return null; // a value not set is left out, so a later duplicate may count
    }
    if (mode >= TEST_PRESENCE && entries[i + VALUE_COUNT] == 1) {
      // A value of the usual shape is set, and a string one compares as bytes, without decoding.
      int start = entries[i + VALUE_START];
      int end = entries[i + VALUE_END];
      int stringLength = plainStringLength(start, end);
      if (stringLength >= 0) {
        return mode == TEST_PRESENCE
            ? Boolean.TRUE
            : (Object) matchIndex(start + 2, stringLength, texts, textsAscii);
      }
      if (mode == TEST_PRESENCE && isPlainScalar(start, end)) {
        return Boolean.TRUE;
      }
    }
    // protobuf merges repeated occurrences of a message field: let it.
    Object value = entries[i + VALUE_COUNT] > 1
        ? AttributeMapValue.scalarOrMarker(parse(entries, i).getValue())
        : scalar(entries[i + VALUE_START], entries[i + VALUE_END]);
    if (value == null || (mode == READ_STRING && !(value instanceof String))) {
      return null;
    }
    return switch (mode) {
      case TEST_PRESENCE -> Boolean.TRUE;
      case MATCH_TEXTS -> AttributeMapValue.DECODE;
      default -> value;
    };
  }

  /**
   * The length of the string of an {@code AnyValue} that holds one {@code string_value} with a
   * one-byte length and nothing else, or -1 for any other value.
   */
  private int plainStringLength(int start, int end) {
    if (end - start < 2 || buffer[start] != STRING) {
      return -1;
    }
    int length = buffer[start + 1];
    return length >= 0 && start + 2 + length == end ? length : -1;
  }

  /** Whether an {@code AnyValue} holds one bool, int (of at most nine bytes) or double. */
  private boolean isPlainScalar(int start, int end) {
    int tag = end - start >= 2 ? buffer[start] : 0;
    if (tag == DOUBLE) {
      return end - start == 1 + Long.BYTES;
    }
    if ((tag != BOOL && tag != INT) || end - start > 10 || buffer[end - 1] < 0) {
      return false;
    }
    for (int p = start + 1; p < end - 1; p++) {
      if (buffer[p] >= 0) {
        return false; // the varint ends before the value does: something follows it
      }
    }
    return true;
  }

  /** The index of the first of {@code texts} that the UTF-8 bytes spell, or NO_MATCH. */
  private int matchIndex(int start, int length, String[] texts, boolean[] textsAscii) {
    for (int t = 0; t < texts.length; t++) {
      if (WireCursor.utf8Equals(buffer, start, length, texts[t], textsAscii[t])) {
        return t;
      }
    }
    return AttributeMapValue.NO_MATCH;
  }

  @Override
  public String text(String key) {
    int[] found = index();
    boolean ascii = WireCursor.isAscii(key);
    for (int i = 0; i < indexLength; i += INDEX_WIDTH) {
      if (!hasKey(found, i, key, ascii)) {
        continue;
      }
      if (found[i + VALUE_COUNT] == 1
          && scalar(found[i + VALUE_START], found[i + VALUE_END]) instanceof String string) {
        return string;
      }
      return AnyValueText.canonical(parse(found, i).getValue());
    }
    return null;
  }

  private boolean hasKey(int[] entries, int i, String key, boolean asciiKey) {
    return WireCursor.utf8Equals(
        buffer, entries[i + KEY_START], entries[i + KEY_LENGTH], key, asciiKey);
  }

  /**
   * Where each key-value lies, {@link #INDEX_WIDTH} ints per entry, in order, the first {@link
   * #indexLength} ints used: read once, as rules look up several keys of each span they visit.
   */
  private int[] index() {
    int[] result = index;
    if (result == null) {
      result = new int[INDEX_WIDTH * 16];
      int size = 0;
      Entries entries = new Entries();
      while (true) {
        if (size == result.length) {
          result = Arrays.copyOf(result, size * 2);
        }
        if (!entries.next(result, size)) {
          break;
        }
        size += INDEX_WIDTH;
      }
      indexLength = size;
      index = result; // published after its length
    }
    return result;
  }

  /** Reads the key-values one by one, in order, over every region. */
  private final class Entries {
    private final WireCursor message = new WireCursor(buffer, 0, 0);
    private final WireCursor entry = new WireCursor(buffer, 0, 0);
    private int region = -2;

    /** Records where the next entry lies at {@code into[i...]}; false after the last. */
    boolean next(int[] into, int i) {
      while (true) {
        int tag = region < 0 ? 0 : message.readTag();
        if (tag == 0) {
          region += 2;
          if (region >= regions.length) {
            return false;
          }
          message.reset(regions[region], regions[region + 1]);
          continue;
        }
        if (tag != fieldTag) {
          message.skip(tag);
          continue;
        }
        int length = message.readLength();
        int start = message.payloadStart();
        into[i + ENTRY_START] = start;
        into[i + ENTRY_LENGTH] = length;
        if (!readPlainEntry(start, start + length, into, i)) {
          entry.reset(start, start + length);
          readEntry(entry, into, i);
        }
        return true;
      }
    }
  }

  /**
   * Reads an entry of the usual shape, a key and then a value, each with a one-byte length;
   * false for any other, which {@link #readEntry} reads.
   */
  private boolean readPlainEntry(int start, int end, int[] into, int i) {
    int keyLength = end - start >= 2 && buffer[start] == KEY ? buffer[start + 1] : -1;
    int value = start + 2 + keyLength;
    if (keyLength < 0 || value + 2 > end || buffer[value] != VALUE) {
      return false;
    }
    int valueLength = buffer[value + 1];
    if (valueLength < 0 || value + 2 + valueLength != end) {
      return false;
    }
    into[i + KEY_START] = start + 2;
    into[i + KEY_LENGTH] = keyLength;
    into[i + VALUE_START] = value + 2;
    into[i + VALUE_END] = end;
    into[i + VALUE_COUNT] = 1;
    return true;
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
      int[] found = index();
      List<KeyValue> all = new ArrayList<>(indexLength / INDEX_WIDTH);
      for (int i = 0; i < indexLength; i += INDEX_WIDTH) {
        all.add(parse(found, i));
      }
      result = List.copyOf(all);
      parsed = result;
    }
    return result;
  }
}
