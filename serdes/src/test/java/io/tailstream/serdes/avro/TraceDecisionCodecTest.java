package io.tailstream.serdes.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class TraceDecisionCodecTest {
  private static final File AVSC = new File("src/main/avro/TraceDecision.avsc");

  static TraceDecision sampled() {
    return TraceDecision.newBuilder()
        .setTraceId("4bf92f3577b34da6a3ce929d0e0e4736")
        .setRootService("checkout")
        .setRootName("POST /checkout")
        .setStartTimeUnixNano(1_700_000_000_123_456_789L)
        .setDurationNanos(2_500_000_000L)
        .setSpanCount(42)
        .setErrorCount(3)
        .setDecision(Decision.KEEP)
        .setRule("default")
        .setSampleRate(0.25)
        .setCompletionReason(CompletionReason.ROOT)
        .setDecidedAt(Instant.ofEpochMilli(1_700_000_012_345L))
        .setSamplingThreshold("c")
        .setRulesHash("sha256:9f86d081")
        .setCandidateDecision(Decision.DROP)
        .setCandidateRule("checkout-cap")
        .build();
  }

  static TraceDecision droppedWithoutRoot() {
    return TraceDecision.newBuilder()
        .setTraceId("0af7651916cd43dd8448eb211c80319c")
        .setRootService("")
        .setRootName("")
        .setStartTimeUnixNano(0)
        .setDurationNanos(0)
        .setSpanCount(1)
        .setErrorCount(0)
        .setDecision(Decision.DROP)
        .setRule("drop-health-checks")
        .setSampleRate(0.0)
        .setCompletionReason(CompletionReason.SPAN_LIMIT)
        .setDecidedAt(Instant.EPOCH)
        .build();
  }

  @Test
  void roundTripsEveryField() {
    TraceDecision decision = sampled();

    assertThat(TraceDecisionCodec.decode(TraceDecisionCodec.encode(decision))).isEqualTo(decision);
  }

  @Test
  void roundTripsNullOptionalFieldsAndEmptyStrings() {
    TraceDecision decision = droppedWithoutRoot();

    TraceDecision decoded = TraceDecisionCodec.decode(TraceDecisionCodec.encode(decision));

    assertThat(decoded).isEqualTo(decision);
    assertThat(decoded.getSamplingThreshold()).isNull();
    assertThat(decoded.getRulesHash()).isNull();
  }

  @Test
  void writesSingleObjectHeaderWithFingerprintOfTheAvscSchema() throws Exception {
    long fingerprint = SchemaNormalization.parsingFingerprint64(new Schema.Parser().parse(AVSC));

    byte[] bytes = TraceDecisionCodec.encode(sampled());

    assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0xC3, 0x01);
    long written = 0;
    for (int i = 9; i >= 2; i--) {
      written = (written << 8) | (bytes[i] & 0xff);
    }
    assertThat(written).isEqualTo(fingerprint);
  }

  @Test
  void bodyIsReadableByPlainAvroWithTheAvscSchema() throws Exception {
    Schema schema = new Schema.Parser().parse(AVSC);
    byte[] bytes = TraceDecisionCodec.encode(sampled());

    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null);
    GenericRecord record = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);

    assertThat(decoder.isEnd()).isTrue();
    assertThat(record.get("trace_id")).hasToString("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(record.get("root_service")).hasToString("checkout");
    assertThat(record.get("root_name")).hasToString("POST /checkout");
    assertThat(record.get("start_time_unix_nano")).isEqualTo(1_700_000_000_123_456_789L);
    assertThat(record.get("duration_nanos")).isEqualTo(2_500_000_000L);
    assertThat(record.get("span_count")).isEqualTo(42);
    assertThat(record.get("error_count")).isEqualTo(3);
    assertThat(record.get("decision")).hasToString("KEEP");
    assertThat(record.get("rule")).hasToString("default");
    assertThat(record.get("sample_rate")).isEqualTo(0.25);
    assertThat(record.get("completion_reason")).hasToString("ROOT");
    assertThat(record.get("decided_at")).isEqualTo(1_700_000_012_345L);
    assertThat(record.get("sampling_threshold")).hasToString("c");
    assertThat(record.get("rules_hash")).hasToString("sha256:9f86d081");
  }

  @Test
  void decodesRecordsWrittenWithTheFirstSchemaVersion() throws Exception {
    Schema v1 = new Schema.Parser().parse(
        new File("src/main/resources/io/tailstream/serdes/avro/TraceDecision-v1.avsc"));
    GenericRecord old = new org.apache.avro.generic.GenericData.Record(v1);
    old.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    old.put("root_service", "checkout");
    old.put("root_name", "GET /cart");
    old.put("start_time_unix_nano", 1L);
    old.put("duration_nanos", 2L);
    old.put("span_count", 3);
    old.put("error_count", 0);
    old.put("decision",
        new org.apache.avro.generic.GenericData.EnumSymbol(v1.getField("decision").schema(), "KEEP"));
    old.put("rule", "errors");
    old.put("sample_rate", 1.0);
    old.put("completion_reason", new org.apache.avro.generic.GenericData.EnumSymbol(
        v1.getField("completion_reason").schema(), "IDLE"));
    old.put("decided_at", 1_700_000_000_000L);
    old.put("sampling_threshold", null);
    old.put("rules_hash", "0123456789abcdef");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xC3, 0x01});
    long fingerprint = SchemaNormalization.parsingFingerprint64(v1);
    for (int i = 0; i < 8; i++) {
      out.write((int) (fingerprint >>> (8 * i)));
    }
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(v1).write(old, encoder);
    encoder.flush();

    TraceDecision decoded = TraceDecisionCodec.decode(out.toByteArray());

    assertThat(decoded.getRule()).isEqualTo("errors");
    assertThat(decoded.getRulesHash()).isEqualTo("0123456789abcdef");
    assertThat(decoded.getCandidateDecision()).isNull();
    assertThat(decoded.getCandidateRule()).isNull();
  }

  @Test
  void schemaFieldsAreDocumentedAndInContractOrder() throws Exception {
    Schema schema = new Schema.Parser().parse(AVSC);

    assertThat(schema.getFields())
        .extracting(Schema.Field::name)
        .containsExactly(
            "trace_id",
            "root_service",
            "root_name",
            "start_time_unix_nano",
            "duration_nanos",
            "span_count",
            "error_count",
            "decision",
            "rule",
            "sample_rate",
            "completion_reason",
            "decided_at",
            "sampling_threshold",
            "rules_hash",
            "candidate_decision",
            "candidate_rule");
    assertThat(schema.getFields()).allSatisfy(field -> assertThat(field.doc()).isNotBlank());
    assertThat(schema.getField("sampling_threshold").defaultVal())
        .isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
  }

  @Test
  void rejectsEveryTruncation() {
    byte[] bytes = TraceDecisionCodec.encode(sampled());

    for (int length = 0; length < bytes.length; length++) {
      byte[] truncated = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> TraceDecisionCodec.decode(truncated))
          .as("length %d", length)
          .isExactlyInstanceOf(CorruptDecisionRecordException.class);
    }
  }

  @Test
  void explainsWhyARecordIsCorrupt() {
    byte[] valid = TraceDecisionCodec.encode(sampled());

    assertThatThrownBy(() -> TraceDecisionCodec.decode(new byte[] {(byte) 0xC3, 0x01, 0}))
        .hasMessage(
            "TraceDecision record has 3 bytes; single-object encoding needs at least 10 (the marker"
                + " C3 01 and an 8-byte schema fingerprint)");
    assertThatThrownBy(() -> TraceDecisionCodec.decode("{\"trace_id\":\"x\"}".getBytes()))
        .hasMessage(
            "TraceDecision record does not start with the Avro single-object marker C3 01 but with"
                + " 7B 22");
    byte[] otherSchema = valid.clone();
    otherSchema[2] ^= 1;
    assertThatThrownBy(() -> TraceDecisionCodec.decode(otherSchema))
        .hasMessageStartingWith("TraceDecision record has schema fingerprint ")
        .hasMessageContaining(", but the TraceDecision schema has ");
    assertThatThrownBy(() -> TraceDecisionCodec.decode(Arrays.copyOf(valid, valid.length - 1)))
        .hasMessageStartingWith(
            "TraceDecision record is truncated: its body ends before its last field");
    assertThatThrownBy(() -> TraceDecisionCodec.decode(Arrays.copyOf(valid, valid.length + 2)))
        .hasMessage("TraceDecision record has 2 unexpected bytes after its body");
  }

  @Test
  void rejectsOutOfRangeEnumIndex() throws Exception {
    byte[] record =
        header(
            body(
                encoder -> {
                  writeFieldsBeforeDecision(encoder);
                  encoder.writeEnum(5);
                }));

    assertThatThrownBy(() -> TraceDecisionCodec.decode(record))
        .isExactlyInstanceOf(CorruptDecisionRecordException.class)
        .hasMessageStartingWith("TraceDecision record has a malformed body: ");
  }

  @Test
  void rejectsHugeLengthPrefixWithoutAllocatingIt() throws Exception {
    byte[] record = header(body(encoder -> encoder.writeLong(Integer.MAX_VALUE - 16)));

    assertThatThrownBy(() -> TraceDecisionCodec.decode(record))
        .isExactlyInstanceOf(CorruptDecisionRecordException.class)
        .hasMessageStartingWith("TraceDecision record is truncated");
  }

  @Test
  void rejectsRandomGarbageWithOnlyCorruptDecisionRecordException() {
    byte[] valid = TraceDecisionCodec.encode(sampled());
    Random random = new Random(1234L);
    for (int i = 0; i < 20_000; i++) {
      byte[] garbage = Arrays.copyOf(valid, 10 + random.nextInt(valid.length));
      for (int j = 10; j < garbage.length; j++) {
        if (random.nextInt(4) == 0) {
          garbage[j] = (byte) random.nextInt(256);
        }
      }
      try {
        TraceDecision decoded = TraceDecisionCodec.decode(garbage);
        assertThat(decoded.getTraceId()).isNotNull();
      } catch (CorruptDecisionRecordException expected) {
        assertThat(expected.getMessage()).startsWith("TraceDecision record ");
      }
    }
  }

  @Test
  void refusesToEncodeMissingRequiredField() {
    TraceDecision incomplete = sampled();
    incomplete.setRule(null);

    assertThatThrownBy(() -> TraceDecisionCodec.encode(incomplete))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TraceDecision cannot be encoded: ")
        .hasMessageContaining("rule");
  }

  @FunctionalInterface
  private interface BodyWriter {
    void write(BinaryEncoder encoder) throws Exception;
  }

  private static byte[] body(BodyWriter writer) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    writer.write(encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static void writeFieldsBeforeDecision(BinaryEncoder encoder) throws Exception {
    encoder.writeString("4bf92f3577b34da6a3ce929d0e0e4736");
    encoder.writeString("checkout");
    encoder.writeString("GET /");
    encoder.writeLong(1);
    encoder.writeLong(2);
    encoder.writeInt(3);
    encoder.writeInt(0);
  }

  /** Prepends the single-object header of the TraceDecision schema. */
  private static byte[] header(byte[] body) {
    byte[] valid = TraceDecisionCodec.encode(sampled());
    byte[] record = Arrays.copyOf(valid, 10 + body.length);
    System.arraycopy(body, 0, record, 10, body.length);
    return record;
  }

  @Test
  void generatedClassHasTheSchemaOfTheAvscFile() throws Exception {
    assertThat(SchemaNormalization.parsingFingerprint64(TraceDecision.getClassSchema()))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(new Schema.Parser().parse(AVSC)));
  }
}
