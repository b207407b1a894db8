package io.tailstream.rules;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Base64;

/**
 * The canonical text of an OTLP value, which {@code hash} hashes when a redact entry matches a
 * non-string value by its key, and the value of a span-metric dimension read from an attribute.
 * It must never change: a changed text changes every stored hash.
 */
public final class AnyValueText {

  private AnyValueText() {}

  /**
   * Returns the canonical text: a string as it is, {@code true} or {@code false}, the decimal
   * int, the double as {@link Double#toString(double)} writes it, base64 bytes, arrays and kvlists
   * as compact JSON (in their order, with those texts as JSON strings and numbers), and the empty
   * string for a value that is not set.
   */
  public static String canonical(AnyValue value) {
    if (value.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
      return value.getStringValue();
    }
    StringBuilder text = new StringBuilder();
    append(text, value, false);
    return text.toString();
  }

  private static void append(StringBuilder text, AnyValue value, boolean nested) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        appendString(text, value.getStringValue(), nested);
        break;
      case BOOL_VALUE:
        text.append(value.getBoolValue());
        break;
      case INT_VALUE:
        text.append(value.getIntValue());
        break;
      case DOUBLE_VALUE:
        text.append(value.getDoubleValue());
        break;
      case BYTES_VALUE:
        appendString(
            text, Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()), nested);
        break;
      case ARRAY_VALUE:
        text.append('[');
        for (int i = 0; i < value.getArrayValue().getValuesCount(); i++) {
          if (i > 0) {
            text.append(',');
          }
          append(text, value.getArrayValue().getValues(i), true);
        }
        text.append(']');
        break;
      case KVLIST_VALUE:
        text.append('{');
        for (int i = 0; i < value.getKvlistValue().getValuesCount(); i++) {
          KeyValue element = value.getKvlistValue().getValues(i);
          if (i > 0) {
            text.append(',');
          }
          appendString(text, element.getKey(), true);
          text.append(':');
          append(text, element.getValue(), true);
        }
        text.append('}');
        break;
      case VALUE_NOT_SET:
      default:
        if (nested) {
          text.append("null");
        }
        break;
    }
  }

  private static void appendString(StringBuilder text, String string, boolean quoted) {
    if (!quoted) {
      text.append(string);
      return;
    }
    text.append('"');
    for (int i = 0; i < string.length(); i++) {
      char c = string.charAt(i);
      if (c == '"' || c == '\\') {
        text.append('\\').append(c);
      } else if (c < 0x20) {
        text.append(String.format("\\u%04x", (int) c));
      } else {
        text.append(c);
      }
    }
    text.append('"');
  }
}
