package io.tailstream.serdes.otlp;

import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Marks the spans of a kept trace for downstream backends, at the protobuf wire level: only spans
 * are rewritten, every other byte is copied verbatim.
 */
public final class SpanRewriter {
  /** The span attribute that names the rule which kept the trace. */
  public static final String SAMPLING_RULE_ATTRIBUTE = "sampling.rule";

  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int TRACES_DATA_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  private static final int SCOPE_SPANS_SPANS = 2;
  private static final int SPAN_TRACE_STATE = 3;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int KEY_VALUE_KEY = 1;

  private static final byte[] SAMPLING_RULE_KEY =
      SAMPLING_RULE_ATTRIBUTE.getBytes(StandardCharsets.UTF_8);

  private SpanRewriter() {}

  /**
   * Returns a copy of a serialized {@code TracesData} in which every span carries the string
   * attribute {@value #SAMPLING_RULE_ATTRIBUTE} set to {@code ruleName}, replacing any previous
   * value, and, when {@code otThreshold} is not null, a {@code trace_state} whose {@code ot} member
   * has {@code th:otThreshold}. Other {@code ot} sub-keys such as {@code rv} and other vendors'
   * members are kept; the {@code ot} member moves to the front, as W3C Trace Context requires of a
   * modified member.
   *
   * <p>The added attribute follows the span's existing attributes. The content of spans is not
   * validated beyond what the rewrite reads: pass fragments from {@link TraceSplitter}.
   *
   * @param tracesDataProto a serialized {@code TracesData}; not modified
   * @param ruleName the name of the rule that kept the trace; not empty
   * @param otThreshold the OpenTelemetry sampling threshold, 1 to 14 lowercase hex digits (for
   *     example {@code "c"} for a 25% probability), or null to leave trace states unchanged
   * @return the rewritten {@code TracesData}
   * @throws IllegalArgumentException if {@code ruleName} is empty or {@code otThreshold} is
   *     malformed
   * @throws CorruptSpanDataException if {@code tracesDataProto} is not a valid message
   */
  public static byte[] markKept(byte[] tracesDataProto, String ruleName, String otThreshold) {
    Objects.requireNonNull(tracesDataProto, "tracesDataProto");
    Objects.requireNonNull(ruleName, "ruleName");
    if (ruleName.isEmpty()) {
      throw new IllegalArgumentException("ruleName must not be empty");
    }
    if (otThreshold != null && !OtTraceState.isValidThreshold(otThreshold)) {
      throw new IllegalArgumentException(
          "otThreshold was '"
              + otThreshold
              + "' but it must be 1 to 14 lowercase hex digits, the OpenTelemetry 'th' format");
    }
    Rewrite rewrite = new Rewrite(tracesDataProto, ruleName, otThreshold);
    try {
      return rewrite.rewriteTracesData();
    } catch (MalformedProtobufException e) {
      throw e.toCorruptSpanData();
    }
  }

  @FunctionalInterface
  private interface FieldsRewriter {
    void rewrite(ByteSink out) throws MalformedProtobufException;
  }

  /** One rewrite; one sink per nesting level is reused across siblings. */
  private static final class Rewrite {
    private static final int DROP = 1;

    private final byte[] input;
    private final WireReader reader;
    private final String otThreshold;
    private final byte[] attributeField;
    private final ByteSink tracesData;
    private final ByteSink resourceSpans = new ByteSink(1024);
    private final ByteSink scopeSpans = new ByteSink(1024);
    private final ByteSink span = new ByteSink(512);

    /** Triples of (start, end, flags) for each field of the current span. */
    private final IntList spanFields = new IntList(48);

    // Spans of a trace usually share their trace state: remember the last conversion.
    private byte[] lastTraceState;
    private byte[] lastTraceStateField;

    Rewrite(byte[] input, String ruleName, String otThreshold) {
      this.input = input;
      this.reader = new WireReader(input);
      this.otThreshold = otThreshold;
      this.tracesData = new ByteSink(input.length + input.length / 4 + 64);
      KeyValue attribute =
          KeyValue.newBuilder()
              .setKey(SAMPLING_RULE_ATTRIBUTE)
              .setValue(AnyValue.newBuilder().setStringValue(ruleName))
              .build();
      ByteSink field = new ByteSink(attribute.getSerializedSize() + 8);
      field.writeLengthDelimited(SPAN_ATTRIBUTES, attribute.toByteArray());
      this.attributeField = field.toByteArray();
    }

    byte[] rewriteTracesData() throws MalformedProtobufException {
      int index = 0;
      while (true) {
        int fieldStart = reader.position();
        int tag = reader.readTag();
        if (tag == 0) {
          return tracesData.toByteArray();
        }
        if (tag == (TRACES_DATA_RESOURCE_SPANS << 3 | LEN)) {
          resourceSpans.reset();
          rewriteMessage(
              "resource_spans", index++, this::rewriteResourceSpansFields, resourceSpans);
          tracesData.writeLengthDelimited(TRACES_DATA_RESOURCE_SPANS, resourceSpans);
        } else {
          reader.skipField(tag);
          tracesData.write(input, fieldStart, reader.position() - fieldStart);
        }
      }
    }

    /** Rewrites the payload of a message field, whose tag was just read, into {@code out}. */
    private void rewriteMessage(String name, int index, FieldsRewriter fields, ByteSink out)
        throws MalformedProtobufException {
      int length = reader.readLength(name, index);
      int outerEnd = reader.enterMessage(length, name, index);
      try {
        fields.rewrite(out);
      } catch (MalformedProtobufException e) {
        throw e.within(name, index);
      }
      reader.exitMessage(outerEnd);
    }

    private void rewriteResourceSpansFields(ByteSink out) throws MalformedProtobufException {
      int index = 0;
      while (true) {
        int fieldStart = reader.position();
        int tag = reader.readTag();
        if (tag == 0) {
          return;
        }
        if (tag == (RESOURCE_SPANS_SCOPE_SPANS << 3 | LEN)) {
          scopeSpans.reset();
          rewriteMessage("scope_spans", index++, this::rewriteScopeSpansFields, scopeSpans);
          out.writeLengthDelimited(RESOURCE_SPANS_SCOPE_SPANS, scopeSpans);
        } else {
          reader.skipField(tag);
          out.write(input, fieldStart, reader.position() - fieldStart);
        }
      }
    }

    private void rewriteScopeSpansFields(ByteSink out) throws MalformedProtobufException {
      int index = 0;
      while (true) {
        int fieldStart = reader.position();
        int tag = reader.readTag();
        if (tag == 0) {
          return;
        }
        if (tag == (SCOPE_SPANS_SPANS << 3 | LEN)) {
          span.reset();
          rewriteMessage("spans", index++, this::rewriteSpanFields, span);
          out.writeLengthDelimited(SCOPE_SPANS_SPANS, span);
        } else {
          reader.skipField(tag);
          out.write(input, fieldStart, reader.position() - fieldStart);
        }
      }
    }

    /**
     * Copies the span's fields except the trace state (when a threshold is set) and existing
     * {@value SpanRewriter#SAMPLING_RULE_ATTRIBUTE} attributes, then inserts the new ones where protobuf-java
     * would serialize them, so that a canonical input gives a canonical output.
     */
    private void rewriteSpanFields(ByteSink out) throws MalformedProtobufException {
      spanFields.clear();
      int traceStateStart = -1;
      int traceStateLength = 0;
      int traceStateAt = -1;
      int replacedAttributeAt = -1;
      int lastAttributeEnd = -1;
      int firstFieldAfterAttributes = -1;
      int attributeIndex = 0;
      while (true) {
        int fieldStart = reader.position();
        int tag = reader.readTag();
        if (tag == 0) {
          break;
        }
        int number = WireFormat.getTagFieldNumber(tag);
        int flags = 0;
        if (tag == (SPAN_TRACE_STATE << 3 | LEN)) {
          traceStateLength = reader.readLength("trace_state", -1);
          traceStateStart = reader.position();
          reader.skipBytes(traceStateLength);
          if (otThreshold != null) {
            flags = DROP;
            traceStateAt = traceStateAt < 0 ? fieldStart : traceStateAt;
          }
        } else if (tag == (SPAN_ATTRIBUTES << 3 | LEN)) {
          if (isSamplingRule(attributeIndex++)) {
            flags = DROP;
            replacedAttributeAt = replacedAttributeAt < 0 ? fieldStart : replacedAttributeAt;
          } else {
            lastAttributeEnd = reader.position();
          }
        } else {
          reader.skipField(tag);
        }
        if (traceStateAt < 0 && number > SPAN_TRACE_STATE) {
          traceStateAt = fieldStart;
        }
        if (firstFieldAfterAttributes < 0 && number > SPAN_ATTRIBUTES) {
          firstFieldAfterAttributes = fieldStart;
        }
        spanFields.add(fieldStart);
        spanFields.add(reader.position());
        spanFields.add(flags);
      }
      int spanEnd = reader.position();
      int attributeAt =
          replacedAttributeAt >= 0
              ? replacedAttributeAt
              : lastAttributeEnd >= 0
                  ? lastAttributeEnd
                  : firstFieldAfterAttributes >= 0 ? firstFieldAfterAttributes : spanEnd;
      byte[] traceStateField = null;
      if (otThreshold != null) {
        traceStateField = traceStateField(traceStateStart, traceStateLength);
        traceStateAt = traceStateAt < 0 ? spanEnd : traceStateAt;
      }
      for (int i = 0; i < spanFields.size(); i += 3) {
        int start = spanFields.get(i);
        insert(out, start, traceStateAt, traceStateField, attributeAt);
        if (spanFields.get(i + 2) != DROP) {
          out.write(input, start, spanFields.get(i + 1) - start);
        }
      }
      insert(out, spanEnd, traceStateAt, traceStateField, attributeAt);
    }

    private void insert(
        ByteSink out, int position, int traceStateAt, byte[] traceStateField, int attributeAt) {
      if (traceStateField != null && position == traceStateAt) {
        out.write(traceStateField, 0, traceStateField.length);
      }
      if (position == attributeAt) {
        out.write(attributeField, 0, attributeField.length);
      }
    }

    /** Reads an attribute KeyValue, whose tag was just read, and tells whether it is ours. */
    private boolean isSamplingRule(int index) throws MalformedProtobufException {
      int length = reader.readLength("attributes", index);
      int outerEnd = reader.enterMessage(length, "attributes", index);
      int keyStart = -1;
      int keyLength = 0;
      try {
        int tag;
        while ((tag = reader.readTag()) != 0) {
          if (tag == (KEY_VALUE_KEY << 3 | LEN)) {
            keyLength = reader.readLength("key", -1);
            keyStart = reader.position();
            reader.skipBytes(keyLength);
          } else {
            reader.skipField(tag);
          }
        }
      } catch (MalformedProtobufException e) {
        throw e.within("attributes", index);
      }
      reader.exitMessage(outerEnd);
      return keyStart >= 0
          && Arrays.equals(
              input,
              keyStart,
              keyStart + keyLength,
              SAMPLING_RULE_KEY,
              0,
              SAMPLING_RULE_KEY.length);
    }

    /** The new trace_state field, tag included, for the span's trace state (start -1 if none). */
    private byte[] traceStateField(int start, int length) {
      int from = start < 0 ? 0 : start;
      if (lastTraceState != null
          && Arrays.equals(input, from, from + length, lastTraceState, 0, lastTraceState.length)) {
        return lastTraceStateField;
      }
      lastTraceState = Arrays.copyOfRange(input, from, from + length);
      String merged =
          OtTraceState.withThreshold(
              new String(lastTraceState, StandardCharsets.UTF_8), otThreshold);
      ByteSink field = new ByteSink(merged.length() + 8);
      field.writeLengthDelimited(SPAN_TRACE_STATE, merged.getBytes(StandardCharsets.UTF_8));
      lastTraceStateField = field.toByteArray();
      return lastTraceStateField;
    }
  }
}
