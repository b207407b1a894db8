package io.tailstream.rules;

import com.google.common.collect.ImmutableList;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import dev.cel.common.exceptions.CelAttributeNotFoundException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import dev.cel.common.values.StructValue;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An attribute map as a CEL {@code map}, with its values already in CEL's runtime form. The
 * planner converts every plain Java map it selects, entry by entry, on every access; a {@code
 * CelValue} it passes through as is, so a span's attributes are converted once, here, instead of
 * once per rule that reads them.
 *
 * <p>It extends {@link StructValue}, the one {@code CelValue} meant for extension, but behaves as
 * an unmodifiable {@link Map} for CEL's map functions ({@code in}, indexing, {@code size},
 * macros, equality): a missing key fails selection as it does on any CEL map.
 */
final class AttributeMapValue extends StructValue<String, AttributeMapValue>
    implements Map<String, Object> {

  // What the runtime reports for any map it did not build from a declared type.
  private static final CelType TYPE = MapType.create(SimpleType.DYN, SimpleType.DYN);

  private static final AttributeMapValue EMPTY = new AttributeMapValue(null, Map.of());

  /**
   * What {@link KeyValueSource#lookup} returns for a key whose value is a bytes, array or
   * key-value list value, which only the converted entries hold in CEL's form.
   */
  static final Object NEEDS_CONVERSION = new Object();

  /** What {@link #matchString} returns when the key has no value, where CEL's selection fails. */
  static final int ABSENT = -1;
  /** What {@link #matchString} returns for a string value equal to none of the texts. */
  static final int NO_MATCH = -2;
  /** What {@link #matchString} returns for any other value: only its decoded value tells. */
  static final int DECODE = -3;

  /** OTLP key-values that a lookup by key scans: parsed, or still in their wire form. */
  interface KeyValueSource {
    /**
     * The value of the first key-value with this key whose value is set, as {@link #get} returns
     * it, {@link #NEEDS_CONVERSION} for a value that is not a string, boolean, integer or double,
     * or null if there is none.
     */
    Object lookup(String key);

    /**
     * The first value with this key that is a string, as OTLP readers find {@code service.name};
     * null if there is none.
     */
    String firstString(String key);

    /**
     * The value of the first key-value with this key, set or not, as {@link
     * AnyValueText#canonical} writes it; null if there is none.
     */
    String text(String key);

    /** All key-values, parsed. */
    List<KeyValue> keyValues();

    /** Whether {@link #lookup} finds a value. */
    default boolean has(String key) {
      return lookup(key) != null;
    }

    /** As {@link AttributeMapValue#matchString}; this default leaves every value to decoding. */
    default int matchString(String key, String[] texts, boolean[] textsAscii) {
      return DECODE;
    }
  }

  // Where lookups scan, or null for a value made from a converted map.
  private final KeyValueSource source;
  // All entries, converted; built from the source on first need. Volatile, as a result that
  // escapes an evaluation may be read by other threads.
  private volatile Map<String, Object> entries;

  private AttributeMapValue(KeyValueSource source, Map<String, Object> entries) {
    this.source = source;
    this.entries = entries;
  }

  /**
   * Returns the CEL form of an unmodifiable attribute map, which it may wrap rather than copy: only
   * bytes, arrays and key-value lists need converting, and most attribute maps have none.
   */
  static AttributeMapValue of(Map<String, Object> attributes) {
    if (attributes instanceof AttributeMapValue) {
      return (AttributeMapValue) attributes;
    }
    if (attributes.isEmpty()) {
      return EMPTY;
    }
    return new AttributeMapValue(null, converted(attributes));
  }

  /**
   * Returns the CEL form of OTLP key-values, with the meaning of {@link AttributeValues#toMap}.
   * Rules mostly test and read a few keys of many spans, so a key is looked up by a scan of the
   * key-values, and only a read of a bytes, array or key-value list value, or a use of the whole
   * map, converts them all.
   */
  static AttributeMapValue ofKeyValues(List<KeyValue> keyValues) {
    return keyValues.isEmpty() ? EMPTY : new AttributeMapValue(new ParsedKeyValues(keyValues), null);
  }

  /** Like {@link #ofKeyValues(List)}, for key-values that may still be in their wire form. */
  static AttributeMapValue ofSource(KeyValueSource source) {
    return new AttributeMapValue(source, null);
  }

  private static Map<String, Object> converted(Map<String, Object> attributes) {
    for (Object value : attributes.values()) {
      if (value instanceof ByteString || value instanceof List || value instanceof Map) {
        return convertedCopy(attributes);
      }
    }
    return attributes;
  }

  private static Map<String, Object> convertedCopy(Map<String, Object> attributes) {
    Map<String, Object> copy = new LinkedHashMap<>(attributes.size() * 2);
    for (Map.Entry<String, Object> entry : attributes.entrySet()) {
      copy.put(entry.getKey(), toCel(entry.getValue()));
    }
    return Collections.unmodifiableMap(copy);
  }

  @SuppressWarnings("unchecked") // SpanView documents key-value lists as Map<String, Object>
  private static Object toCel(Object value) {
    if (value instanceof ByteString) {
      return CelByteString.of(((ByteString) value).toByteArray());
    }
    if (value instanceof Map) {
      return of((Map<String, Object>) value);
    }
    if (value instanceof List) {
      List<?> list = (List<?>) value;
      ImmutableList.Builder<Object> converted = ImmutableList.builderWithExpectedSize(list.size());
      for (Object element : list) {
        converted.add(toCel(element));
      }
      return converted.build();
    }
    return value;
  }

  private Map<String, Object> entries() {
    Map<String, Object> result = entries;
    if (result == null) {
      result = converted(AttributeValues.toMap(source.keyValues()));
      entries = result;
    }
    return result;
  }

  /** Reads a key as CEL's own maps do: a missing key is an error, not null. */
  @Override
  public Object select(String key) {
    Object value = get(key);
    if (value != null) {
      return value;
    }
    if (!containsKey(key)) {
      throw CelAttributeNotFoundException.forMissingMapKey(key);
    }
    throw CelAttributeNotFoundException.of("Map value cannot be null for key: " + key);
  }

  /** Presence, as {@code has()} tests it on a map: whether the key is there. */
  @Override
  public Optional<Object> find(String key) {
    Object value = get(key);
    if (value != null) {
      return Optional.of(value);
    }
    return containsKey(key) ? Optional.of(NullValue.NULL_VALUE) : Optional.empty();
  }

  /**
   * Returns this value itself: the planner unwraps every {@code CelValue} it resolves, and as a
   * map this value is already what CEL's functions expect.
   */
  @Override
  public AttributeMapValue value() {
    return this;
  }

  @Override
  public boolean isZeroValue() {
    return entries().isEmpty();
  }

  @Override
  public CelType celType() {
    return TYPE;
  }

  @Override
  public int size() {
    return entries().size();
  }

  @Override
  public boolean isEmpty() {
    return entries().isEmpty();
  }

  @Override
  public boolean containsKey(Object key) {
    // OTLP-derived maps hold no null values, so a value found is a key found.
    Map<String, Object> converted = entries;
    return converted == null ? get(key) != null : converted.containsKey(key);
  }

  @Override
  public boolean containsValue(Object value) {
    return entries().containsValue(value);
  }

  @Override
  public Object get(Object key) {
    Map<String, Object> converted = entries;
    if (converted != null) {
      return converted.get(key);
    }
    if (!(key instanceof String)) {
      return null;
    }
    Object value = source.lookup((String) key);
    return value == NEEDS_CONVERSION ? entries().get(key) : value;
  }

  /**
   * Whether {@code key} has a value, as {@code get(key) != null}, without decoding the value where
   * its form allows.
   */
  boolean hasValue(String key) {
    Map<String, Object> converted = entries;
    return converted != null ? converted.get(key) != null : source.has(key);
  }

  /**
   * Compares the value of {@code key} with string constants without decoding it where its form
   * allows: the index of the first of {@code texts} it equals, {@link #NO_MATCH} for a string
   * equal to none, {@link #ABSENT} if the key has no value, or {@link #DECODE} when only {@link
   * #get} can tell. {@code textsAscii[i]} says whether {@code texts[i]} is ASCII.
   */
  int matchString(String key, String[] texts, boolean[] textsAscii) {
    return entries != null ? DECODE : source.matchString(key, texts, textsAscii);
  }

  /** Parsed key-values. */
  record ParsedKeyValues(List<KeyValue> keyValues) implements KeyValueSource {
    @Override
    public String firstString(String key) {
      for (KeyValue keyValue : keyValues) {
        if (keyValue.getKey().equals(key) && keyValue.getValue().hasStringValue()) {
          return keyValue.getValue().getStringValue();
        }
      }
      return null;
    }

    @Override
    public String text(String key) {
      for (KeyValue keyValue : keyValues) {
        if (keyValue.getKey().equals(key)) {
          return AnyValueText.canonical(keyValue.getValue());
        }
      }
      return null;
    }

    @Override
    public Object lookup(String key) {
      // Avoid the iterator: this runs for every span a rule's spans.exists() visits.
      for (int i = 0; i < keyValues.size(); i++) {
        KeyValue keyValue = keyValues.get(i);
        if (keyValue.getKey().equals(key)) {
          Object value = scalarOrMarker(keyValue.getValue());
          if (value != null) {
            return value;
          }
          // Not set: left out, as by AttributeValues.toMap, so a later duplicate may count.
        }
      }
      return null;
    }
  }

  /**
   * The value of an OTLP value as a lookup returns it: a string, boolean, integer or double as
   * is, {@link #NEEDS_CONVERSION} for the other types, null when not set.
   */
  static Object scalarOrMarker(AnyValue value) {
    switch (value.getValueCase()) {
      case BYTES_VALUE:
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        return NEEDS_CONVERSION;
      default:
        return AttributeValues.toJava(value);
    }
  }

  @Override
  public Object put(String key, Object value) {
    throw new UnsupportedOperationException("attributes are read-only");
  }

  @Override
  public Object remove(Object key) {
    throw new UnsupportedOperationException("attributes are read-only");
  }

  @Override
  public void putAll(Map<? extends String, ?> map) {
    throw new UnsupportedOperationException("attributes are read-only");
  }

  @Override
  public void clear() {
    throw new UnsupportedOperationException("attributes are read-only");
  }

  @Override
  public Set<String> keySet() {
    return entries().keySet();
  }

  @Override
  public Collection<Object> values() {
    return entries().values();
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return entries().entrySet();
  }

  @Override
  public boolean equals(Object other) {
    return other == this || entries().equals(other);
  }

  @Override
  public int hashCode() {
    return entries().hashCode();
  }

  @Override
  public String toString() {
    return entries().toString();
  }
}
