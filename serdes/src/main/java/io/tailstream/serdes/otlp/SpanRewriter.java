package io.tailstream.serdes.otlp;

import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Marks the spans of a kept trace for downstream backends, at the protobuf wire level: only spans
 * are rewritten, every other byte is copied verbatim.
 */
public final class SpanRewriter {
  /** The span attribute that names the rule which kept the trace. */
  public static final String SAMPLING_RULE_ATTRIBUTE = "sampling.rule";

  /**
   * The double span attribute that holds the probability with which a probabilistic rule kept
   * the trace, so that backends can weight the span by its inverse.
   */
  public static final String SAMPLING_PROBABILITY_ATTRIBUTE = "sampling.probability";

  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int TRACES_DATA_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  private static final int SCOPE_SPANS_SPANS = 2;
  private static final int SPAN_TRACE_STATE = 3;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int KEY_VALUE_KEY = 1;

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
   * <p>Adds no {@value #SAMPLING_PROBABILITY_ATTRIBUTE} attribute; {@link #markKept(byte[],
   * String, String, double)} does.
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
    return mark(tracesDataProto, ruleName, otThreshold, Double.NaN);
  }

  /**
   * Like {@link #markKept(byte[], String, String)}, and when {@code otThreshold} is not null, that
   * is when a probabilistic rule kept the trace, also sets the double attribute {@value
   * #SAMPLING_PROBABILITY_ATTRIBUTE} of every span to {@code probability}, replacing any previous
   * value. It follows {@value #SAMPLING_RULE_ATTRIBUTE} when both are new.
   *
   * <p>When {@code otThreshold} is null, {@code probability} is ignored and existing {@value
   * #SAMPLING_PROBABILITY_ATTRIBUTE} attributes are left as they are, like the trace state.
   *
   * @param tracesDataProto a serialized {@code TracesData}; not modified
   * @param ruleName the name of the rule that kept the trace; not empty
   * @param otThreshold the OpenTelemetry sampling threshold, 1 to 14 lowercase hex digits, or null
   *     when the trace was kept without sampling
   * @param probability the probability with which the rule keeps traces, above 0 and at most 1;
   *     the threshold's own precision is coarser, so pass the configured value, not one derived
   *     from the threshold
   * @return the rewritten {@code TracesData}
   * @throws IllegalArgumentException if {@code ruleName} is empty, {@code otThreshold} is
   *     malformed, or {@code otThreshold} is set and {@code probability} is not above 0 and at most
   *     1
   * @throws CorruptSpanDataException if {@code tracesDataProto} is not a valid message
   */
  public static byte[] markKept(
      byte[] tracesDataProto, String ruleName, String otThreshold, double probability) {
    if (otThreshold != null && !(probability > 0.0 && probability <= 1.0)) {
      throw new IllegalArgumentException(
          "probability was " + probability + " but it must be above 0 and at most 1");
    }
    double added = otThreshold != null ? probability : Double.NaN;
    return mark(tracesDataProto, ruleName, otThreshold, added);
  }

  /** Marks the spans; a NaN {@code probability} adds no probability attribute. */
  private static byte[] mark(
      byte[] tracesDataProto, String ruleName, String otThreshold, double probability) {
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
    List<KeyValue> attributes = new ArrayList<>(2);
    attributes.add(
        KeyValue.newBuilder()
            .setKey(SAMPLING_RULE_ATTRIBUTE)
            .setValue(AnyValue.newBuilder().setStringValue(ruleName))
            .build());
    if (!Double.isNaN(probability)) {
      attributes.add(
          KeyValue.newBuilder()
              .setKey(SAMPLING_PROBABILITY_ATTRIBUTE)
              .setValue(AnyValue.newBuilder().setDoubleValue(probability))
              .build());
    }
    Rewrite rewrite = new Rewrite(tracesDataProto, attributes, otThreshold);
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
    // The attributes we set: their keys, and their serialized span fields, tag included.
    private final byte[][] ownKeys;
    private final byte[][] ownFields;
    /** Per span: where the first existing attribute with each own key was, or -1. */
    private final int[] replacedAt;
    private final ByteSink tracesData;
    private final ByteSink resourceSpans = new ByteSink(1024);
    private final ByteSink scopeSpans = new ByteSink(1024);
    private final ByteSink span = new ByteSink(512);

    /** Triples of (start, end, flags) for each field of the current span. */
    private final IntList spanFields = new IntList(48);

    // Spans of a trace usually share their trace state: remember the last conversion.
    private byte[] lastTraceState;
    private byte[] lastTraceStateField;

    Rewrite(byte[] input, List<KeyValue> attributes, String otThreshold) {
      this.input = input;
      this.reader = new WireReader(input);
      this.otThreshold = otThreshold;
      this.tracesData = new ByteSink(input.length + input.length / 4 + 64);
      this.ownKeys = new byte[attributes.size()][];
      this.ownFields = new byte[attributes.size()][];
      this.replacedAt = new int[attributes.size()];
      for (int i = 0; i < attributes.size(); i++) {
        KeyValue attribute = attributes.get(i);
        ownKeys[i] = attribute.getKey().getBytes(StandardCharsets.UTF_8);
        ByteSink field = new ByteSink(attribute.getSerializedSize() + 8);
        field.writeLengthDelimited(SPAN_ATTRIBUTES, attribute.toByteArray());
        ownFields[i] = field.toByteArray();
      }
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
     * attributes with the keys we set, then inserts the new ones where protobuf-java would
     * serialize them, so that a canonical input gives a canonical output. A replaced attribute
     * takes the place of its first occurrence; a new one follows the existing attributes.
     */
    private void rewriteSpanFields(ByteSink out) throws MalformedProtobufException {
      spanFields.clear();
      Arrays.fill(replacedAt, -1);
      int traceStateStart = -1;
      int traceStateLength = 0;
      int traceStateAt = -1;
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
          int own = ownAttribute(attributeIndex++);
          if (own >= 0) {
            flags = DROP;
            replacedAt[own] = replacedAt[own] < 0 ? fieldStart : replacedAt[own];
          }
          lastAttributeEnd = reader.position();
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
      int appendAt =
          lastAttributeEnd >= 0
              ? lastAttributeEnd
              : firstFieldAfterAttributes >= 0 ? firstFieldAfterAttributes : spanEnd;
      byte[] traceStateField = null;
      if (otThreshold != null) {
        traceStateField = traceStateField(traceStateStart, traceStateLength);
        traceStateAt = traceStateAt < 0 ? spanEnd : traceStateAt;
      }
      for (int i = 0; i < spanFields.size(); i += 3) {
        int start = spanFields.get(i);
        insert(out, start, traceStateAt, traceStateField, appendAt);
        if (spanFields.get(i + 2) != DROP) {
          out.write(input, start, spanFields.get(i + 1) - start);
        }
      }
      insert(out, spanEnd, traceStateAt, traceStateField, appendAt);
    }

    private void insert(
        ByteSink out, int position, int traceStateAt, byte[] traceStateField, int appendAt) {
      if (traceStateField != null && position == traceStateAt) {
        out.write(traceStateField, 0, traceStateField.length);
      }
      for (int i = 0; i < ownFields.length; i++) {
        if (replacedAt[i] == position) {
          out.write(ownFields[i], 0, ownFields[i].length);
        }
      }
      if (position == appendAt) {
        for (int i = 0; i < ownFields.length; i++) {
          if (replacedAt[i] < 0) {
            out.write(ownFields[i], 0, ownFields[i].length);
          }
        }
      }
    }

    /**
     * Reads an attribute KeyValue, whose tag was just read, and returns the index of the own
     * attribute with its key, or -1 if it is not ours.
     */
    private int ownAttribute(int index) throws MalformedProtobufException {
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
      if (keyStart < 0) {
        return -1;
      }
      for (int i = 0; i < ownKeys.length; i++) {
        if (Arrays.equals(
            input, keyStart, keyStart + keyLength, ownKeys[i], 0, ownKeys[i].length)) {
          return i;
        }
      }
      return -1;
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
