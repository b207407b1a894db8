package io.tailstream.serdes.otlp;

import com.google.protobuf.WireFormat;

/**
 * The OTLP messages nested inside spans, resources and scopes, described just enough to validate
 * them on the wire: field numbers, names for error messages, and wire types.
 *
 * <p>Field definitions mirror opentelemetry-proto 1.11 ({@code common.proto}, {@code
 * resource.proto}, {@code trace.proto}).
 */
enum OtlpMessage {
  RESOURCE,
  ENTITY_REF,
  INSTRUMENTATION_SCOPE,
  KEY_VALUE,
  ANY_VALUE,
  ARRAY_VALUE,
  KEY_VALUE_LIST,
  SPAN_EVENT,
  SPAN_LINK;

  /** How a field is encoded, and so how it is validated. */
  enum Kind {
    /** {@code int32}, {@code uint32} and enums, which protobuf-java reads as 32-bit varints. */
    VARINT32(WireFormat.WIRETYPE_VARINT),
    /** {@code int64} and {@code bool}, which protobuf-java reads as 64-bit varints. */
    VARINT64(WireFormat.WIRETYPE_VARINT),
    FIXED32(WireFormat.WIRETYPE_FIXED32),
    FIXED64(WireFormat.WIRETYPE_FIXED64),
    STRING(WireFormat.WIRETYPE_LENGTH_DELIMITED),
    BYTES(WireFormat.WIRETYPE_LENGTH_DELIMITED),
    MESSAGE(WireFormat.WIRETYPE_LENGTH_DELIMITED);

    final int wireType;

    Kind(int wireType) {
      this.wireType = wireType;
    }
  }

  /** {@code message} is null unless {@code kind} is {@link Kind#MESSAGE}. */
  record Field(int number, String name, Kind kind, OtlpMessage message, boolean repeated) {}

  // Set once in the static initializer below: the messages refer to each other in cycles, which
  // enum constructor arguments cannot express.
  private Field[] fieldsByNumber;
  private boolean hasRepeatedFields;

  static {
    RESOURCE.define(
        messages(1, "attributes", KEY_VALUE),
        scalar(2, "dropped_attributes_count", Kind.VARINT32),
        messages(3, "entity_refs", ENTITY_REF));
    ENTITY_REF.define(
        scalar(1, "schema_url", Kind.STRING),
        scalar(2, "type", Kind.STRING),
        new Field(3, "id_keys", Kind.STRING, null, true),
        new Field(4, "description_keys", Kind.STRING, null, true));
    INSTRUMENTATION_SCOPE.define(
        scalar(1, "name", Kind.STRING),
        scalar(2, "version", Kind.STRING),
        messages(3, "attributes", KEY_VALUE),
        scalar(4, "dropped_attributes_count", Kind.VARINT32));
    KEY_VALUE.define(
        scalar(1, "key", Kind.STRING),
        message(2, "value", ANY_VALUE),
        scalar(3, "key_strindex", Kind.VARINT32));
    ANY_VALUE.define(
        scalar(1, "string_value", Kind.STRING),
        scalar(2, "bool_value", Kind.VARINT64),
        scalar(3, "int_value", Kind.VARINT64),
        scalar(4, "double_value", Kind.FIXED64),
        message(5, "array_value", ARRAY_VALUE),
        message(6, "kvlist_value", KEY_VALUE_LIST),
        scalar(7, "bytes_value", Kind.BYTES),
        scalar(8, "string_value_strindex", Kind.VARINT32));
    ARRAY_VALUE.define(messages(1, "values", ANY_VALUE));
    KEY_VALUE_LIST.define(messages(1, "values", KEY_VALUE));
    SPAN_EVENT.define(
        scalar(1, "time_unix_nano", Kind.FIXED64),
        scalar(2, "name", Kind.STRING),
        messages(3, "attributes", KEY_VALUE),
        scalar(4, "dropped_attributes_count", Kind.VARINT32));
    SPAN_LINK.define(
        scalar(1, "trace_id", Kind.BYTES),
        scalar(2, "span_id", Kind.BYTES),
        scalar(3, "trace_state", Kind.STRING),
        messages(4, "attributes", KEY_VALUE),
        scalar(5, "dropped_attributes_count", Kind.VARINT32),
        scalar(6, "flags", Kind.FIXED32));
  }

  private void define(Field... fields) {
    int maxNumber = 0;
    for (Field field : fields) {
      maxNumber = Math.max(maxNumber, field.number());
    }
    Field[] byNumber = new Field[maxNumber + 1];
    for (Field field : fields) {
      byNumber[field.number()] = field;
      hasRepeatedFields |= field.repeated();
    }
    fieldsByNumber = byNumber;
  }

  /** The field with this number, or null if it is unknown. */
  Field field(int number) {
    return number < fieldsByNumber.length ? fieldsByNumber[number] : null;
  }

  int maxFieldNumber() {
    return fieldsByNumber.length - 1;
  }

  boolean hasRepeatedFields() {
    return hasRepeatedFields;
  }

  private static Field scalar(int number, String name, Kind kind) {
    return new Field(number, name, kind, null, false);
  }

  private static Field message(int number, String name, OtlpMessage message) {
    return new Field(number, name, Kind.MESSAGE, message, false);
  }

  private static Field messages(int number, String name, OtlpMessage message) {
    return new Field(number, name, Kind.MESSAGE, message, true);
  }
}
