package io.tailstream.serdes.otlp;

import com.google.protobuf.WireFormat;

/**
 * Checks that the bytes of a nested OTLP message parse with protobuf-java, without building it:
 * wire types, lengths, UTF-8 of strings, recursion depth. Unknown fields are skipped, as
 * protobuf-java keeps them as unknown fields.
 */
final class OtlpMessageValidator {
  private OtlpMessageValidator() {}

  /**
   * Validates the field {@code name}/{@code index} (-1 if not repeated) of type {@code message},
   * whose tag the reader has just read, and leaves the reader after it.
   */
  static void validateField(WireReader reader, OtlpMessage message, String name, int index)
      throws MalformedProtobufException {
    int length = reader.readLength(name, index);
    if (message == OtlpMessage.KEY_VALUE && reader.skipPlainKeyValue(length)) {
      return;
    }
    int outerEnd = reader.enterMessage(length, name, index);
    try {
      validateFields(reader, message);
    } catch (MalformedProtobufException e) {
      throw e.within(name, index);
    }
    reader.exitMessage(outerEnd);
  }

  private static void validateFields(WireReader reader, OtlpMessage message)
      throws MalformedProtobufException {
    int[] counts = message.hasRepeatedFields() ? new int[message.maxFieldNumber() + 1] : null;
    int tag;
    while ((tag = reader.readTag()) != 0) {
      int number = WireFormat.getTagFieldNumber(tag);
      OtlpMessage.Field field = message.field(number);
      // A known number with another wire type is an unknown field to protobuf-java too.
      if (field == null || WireFormat.getTagWireType(tag) != field.kind().wireType) {
        reader.skipField(tag);
        continue;
      }
      int index = field.repeated() ? counts[number]++ : -1;
      switch (field.kind()) {
        case VARINT32 -> reader.skipVarint32(number);
        case VARINT64 -> reader.skipVarint64(number);
        case FIXED32 -> reader.skipFixed32(number);
        case FIXED64 -> reader.skipFixed64(number);
        case BYTES -> reader.skipBytes(reader.readLength(field.name(), index));
        case STRING -> reader.skipUtf8(reader.readLength(field.name(), index), field.name(), index);
        case MESSAGE -> validateField(reader, field.message(), field.name(), index);
      }
    }
  }
}
