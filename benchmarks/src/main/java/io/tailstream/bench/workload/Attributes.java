package io.tailstream.bench.workload;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

/** OTLP key-values from plain Java values. */
final class Attributes {
  private Attributes() {}

  /** A string, long, double or boolean attribute; anything else becomes its string form. */
  static KeyValue attribute(String key, Object value) {
    AnyValue.Builder v = AnyValue.newBuilder();
    if (value instanceof Long) {
      v.setIntValue((Long) value);
    } else if (value instanceof Integer) {
      v.setIntValue((Integer) value);
    } else if (value instanceof Boolean) {
      v.setBoolValue((Boolean) value);
    } else if (value instanceof Double) {
      v.setDoubleValue((Double) value);
    } else {
      v.setStringValue(String.valueOf(value));
    }
    return KeyValue.newBuilder().setKey(key).setValue(v).build();
  }
}
