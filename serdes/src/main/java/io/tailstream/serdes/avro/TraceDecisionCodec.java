package io.tailstream.serdes.avro;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Encodes {@link TraceDecision}s in Avro single-object encoding: the marker {@code C3 01}, the
 * 8-byte little-endian CRC-64-AVRO fingerprint of the schema, then the Avro binary body. Any Avro
 * reader that knows {@code TraceDecision.avsc} can read the records.
 *
 * <p>Thread-safe.
 */
public final class TraceDecisionCodec {
  /** Length of the single-object header: marker and schema fingerprint. */
  static final int HEADER_BYTES = 10;

  private static final byte MARKER_0 = (byte) 0xC3;
  private static final byte MARKER_1 = (byte) 0x01;

  /** Earlier versions of the schema, oldest first, as class-path resources. */
  private static final List<String> EARLIER_VERSIONS = List.of("TraceDecision-v1.avsc");

  private static final BinaryMessageEncoder<TraceDecision> ENCODER = TraceDecision.getEncoder();
  private static final long FINGERPRINT =
      SchemaNormalization.parsingFingerprint64(TraceDecision.getClassSchema());
  /**
   * Readers by writer-schema fingerprint: the current schema, and every earlier version, kept as
   * resources, resolved to the current one. A record written before a field was added reads with
   * that field's default.
   */
  private static final Map<Long, DatumReader<TraceDecision>> READERS = readers();

  private TraceDecisionCodec() {}

  /**
   * Encodes {@code decision}.
   *
   * @throws IllegalArgumentException if a non-nullable field is null
   */
  public static byte[] encode(TraceDecision decision) {
    Objects.requireNonNull(decision, "decision");
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try {
      ENCODER.encode(decision, out);
    } catch (NullPointerException e) {
      // Avro signals a null in a non-nullable field this way, naming the field.
      throw new IllegalArgumentException("TraceDecision cannot be encoded: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  /**
   * Decodes a record written by {@link #encode} or any single-object encoder of the same schema.
   *
   * @throws CorruptDecisionRecordException if {@code bytes} is not exactly one such record
   */
  public static TraceDecision decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length < HEADER_BYTES) {
      throw new CorruptDecisionRecordException(
          "TraceDecision record has "
              + bytes.length
              + " bytes; single-object encoding needs at least "
              + HEADER_BYTES
              + " (the marker C3 01 and an 8-byte schema fingerprint)");
    }
    if (bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
      throw new CorruptDecisionRecordException(
          String.format(
              "TraceDecision record does not start with the Avro single-object marker C3 01 but"
                  + " with %02X %02X",
              bytes[0], bytes[1]));
    }
    long fingerprint = littleEndianLong(bytes, 2);
    DatumReader<TraceDecision> reader = READERS.get(fingerprint);
    if (reader == null) {
      throw new CorruptDecisionRecordException(
          String.format(
              "TraceDecision record has schema fingerprint %016x, but the TraceDecision schema"
                  + " has %016x",
              fingerprint, FINGERPRINT));
    }
    // BinaryMessageDecoder reads through an unbounded stream decoder, which allocates whatever a
    // corrupt length prefix claims, up to 2 GB. A decoder over the array checks lengths first.
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, null);
    TraceDecision decision;
    try {
      decision = reader.read(null, decoder);
    } catch (EOFException e) {
      throw new CorruptDecisionRecordException(
          "TraceDecision record is truncated: its body ends before its last field"
              + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"),
          e);
    } catch (IOException | RuntimeException e) {
      // Avro reports corrupt bodies with assorted unchecked exceptions: AvroRuntimeException,
      // UnsupportedOperationException for absurd lengths, IndexOutOfBoundsException for enums.
      throw new CorruptDecisionRecordException(
          "TraceDecision record has a malformed body: " + e, e);
    }
    int trailing = decoder.remainingBytes();
    if (trailing != 0) {
      throw new CorruptDecisionRecordException(
          "TraceDecision record has " + trailing + " unexpected bytes after its body");
    }
    return decision;
  }

  private static Map<Long, DatumReader<TraceDecision>> readers() {
    Map<Long, DatumReader<TraceDecision>> readers = new HashMap<>();
    Schema current = TraceDecision.getClassSchema();
    readers.put(FINGERPRINT, new SpecificDatumReader<>(current, current, new TraceDecisionModel()));
    for (String version : EARLIER_VERSIONS) {
      Schema writer;
      try (InputStream in = TraceDecisionCodec.class.getResourceAsStream(version)) {
        if (in == null) {
          throw new IllegalStateException("schema resource " + version + " is missing");
        }
        writer = new Schema.Parser().parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read schema resource " + version, e);
      }
      readers.put(SchemaNormalization.parsingFingerprint64(writer),
          new SpecificDatumReader<>(writer, current, new TraceDecisionModel()));
    }
    return Map.copyOf(readers);
  }

  /**
   * Maps the schema's named types to the generated classes directly. Avro 1.12 would otherwise load
   * them by name, which it refuses for packages not listed in the system property {@code
   * org.apache.avro.SERIALIZABLE_PACKAGES}.
   */
  private static final class TraceDecisionModel extends SpecificData {
    TraceDecisionModel() {
      addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    }

    @Override
    public Class<?> getClass(Schema schema) {
      String name = schema.getFullName();
      if (TraceDecision.getClassSchema().getFullName().equals(name)) {
        return TraceDecision.class;
      }
      if (Decision.getClassSchema().getFullName().equals(name)) {
        return Decision.class;
      }
      if (CompletionReason.getClassSchema().getFullName().equals(name)) {
        return CompletionReason.class;
      }
      return super.getClass(schema);
    }
  }

  private static long littleEndianLong(byte[] bytes, int offset) {
    long value = 0;
    for (int i = Long.BYTES - 1; i >= 0; i--) {
      value = (value << 8) | (bytes[offset + i] & 0xffL);
    }
    return value;
  }
}
