package io.tailstream.rules;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts OTLP attribute values to the Java values that {@link SpanView} exposes. */
final class AttributeValues {

  private AttributeValues() {}

  /**
   * Converts key-values to an unmodifiable map in their OTLP order. Keys without a value are left
   * out; of duplicated keys the first wins, as OTLP readers conventionally do.
   */
  static Map<String, Object> toMap(List<KeyValue> keyValues) {
    if (keyValues.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> map = new LinkedHashMap<>(keyValues.size() * 2);
    for (KeyValue keyValue : keyValues) {
      Object value = toJava(keyValue.getValue());
      if (value != null) {
        map.putIfAbsent(keyValue.getKey(), value);
      }
    }
    return Collections.unmodifiableMap(map);
  }

  /** Returns the Java value of an OTLP value, or null for an empty one. */
  static Object toJava(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case BOOL_VALUE:
        return value.getBoolValue();
      case INT_VALUE:
        return value.getIntValue();
      case DOUBLE_VALUE:
        return value.getDoubleValue();
      case BYTES_VALUE:
        return value.getBytesValue();
      case ARRAY_VALUE:
        return toList(value.getArrayValue().getValuesList());
      case KVLIST_VALUE:
        return toMap(value.getKvlistValue().getValuesList());
      case VALUE_NOT_SET:
      default:
        return null;
    }
  }

  private static List<Object> toList(List<AnyValue> values) {
    List<Object> list = new ArrayList<>(values.size());
    for (AnyValue element : values) {
      Object converted = toJava(element);
      if (converted != null) {
        list.add(converted);
      }
    }
    return Collections.unmodifiableList(list);
  }
}
