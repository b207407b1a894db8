package io.tailstream.serdes.otlp;

import static io.tailstream.serdes.otlp.MalformedProtobufException.inMessage;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Splits an OTLP {@code TracesData} or {@code ExportTraceServiceRequest} (they share field 1,
 * {@code repeated ResourceSpans}) into one {@link TraceFragment} per trace ID.
 *
 * <p>The split works on the protobuf wire format: span, resource and scope bytes are copied
 * verbatim, never decoded and re-encoded. Each fragment is a {@code TracesData} with one {@code
 * ResourceSpans} per original {@code ResourceSpans} that holds spans of its trace, and one {@code
 * ScopeSpans} per original {@code ScopeSpans}, each keeping its resource, scope, schema URL and
 * unknown fields.
 *
 * <p>The whole record is validated first: anything protobuf-java would refuse to parse, and any
 * span whose {@code trace_id} is not 16 bytes or all zeros, whose {@code span_id} is not 8 bytes or
 * whose {@code parent_span_id} is neither empty nor 8 bytes, rejects the record. A record is either
 * split completely or not at all.
 */
public final class TraceSplitter {
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final int FIXED32 = WireFormat.WIRETYPE_FIXED32;
  private static final int FIXED64 = WireFormat.WIRETYPE_FIXED64;

  // Field numbers from opentelemetry/proto/trace/v1/trace.proto.
  private static final int TRACES_DATA_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_RESOURCE = 1 << 3 | LEN;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2 << 3 | LEN;
  private static final int RESOURCE_SPANS_SCHEMA_URL = 3 << 3 | LEN;
  private static final int SCOPE_SPANS_SCOPE = 1 << 3 | LEN;
  private static final int SCOPE_SPANS_SPANS = 2 << 3 | LEN;
  private static final int SCOPE_SPANS_SCHEMA_URL = 3 << 3 | LEN;
  private static final int SPAN_TRACE_ID = 1 << 3 | LEN;
  private static final int SPAN_SPAN_ID = 2 << 3 | LEN;
  private static final int SPAN_TRACE_STATE = 3 << 3 | LEN;
  private static final int SPAN_PARENT_SPAN_ID = 4 << 3 | LEN;
  private static final int SPAN_NAME = 5 << 3 | LEN;
  private static final int SPAN_KIND = 6 << 3 | VARINT;
  private static final int SPAN_START_TIME = 7 << 3 | FIXED64;
  private static final int SPAN_END_TIME = 8 << 3 | FIXED64;
  private static final int SPAN_ATTRIBUTES = 9 << 3 | LEN;
  private static final int SPAN_DROPPED_ATTRIBUTES_COUNT = 10 << 3 | VARINT;
  private static final int SPAN_EVENTS = 11 << 3 | LEN;
  private static final int SPAN_DROPPED_EVENTS_COUNT = 12 << 3 | VARINT;
  private static final int SPAN_LINKS = 13 << 3 | LEN;
  private static final int SPAN_DROPPED_LINKS_COUNT = 14 << 3 | VARINT;
  private static final int SPAN_STATUS = 15 << 3 | LEN;
  private static final int SPAN_FLAGS = 16 << 3 | FIXED32;
  private static final int STATUS_MESSAGE = 2 << 3 | LEN;
  private static final int STATUS_CODE = 3 << 3 | VARINT;
  private static final int STATUS_CODE_ERROR = 2;

  /** Field numbers below this one precede the spans (or scope spans) in a written container. */
  private static final int CHILD_FIELD_NUMBER = 2;

  /** Length of a span ID in bytes. */
  static final int SPAN_ID_BYTES = 8;
  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private TraceSplitter() {}

  /**
   * Splits a serialized {@code TracesData} or {@code ExportTraceServiceRequest} per trace ID.
   *
   * @param tracesDataProto the serialized message; not modified
   * @return one fragment per trace ID in the order the trace IDs first occur; empty if the record
   *     holds no spans
   * @throws CorruptSpanDataException if the record is empty, is not a valid message, or has a span
   *     with an invalid trace, span or parent span ID
   */
  public static List<TraceFragment> split(byte[] tracesDataProto) {
    Objects.requireNonNull(tracesDataProto, "tracesDataProto");
    if (tracesDataProto.length == 0) {
      throw new CorruptSpanDataException("empty record");
    }
    Split split = new Split(tracesDataProto);
    try {
      split.readTracesData();
    } catch (MalformedProtobufException e) {
      throw e.toCorruptSpanData();
    }
    return split.writeFragments();
  }

  /**
   * A {@code ResourceSpans} or {@code ScopeSpans} whose fields other than its children are copied
   * into every fragment: ranges {@code [firstRange, firstRange + rangeCount)}, of which the first
   * {@code leadingRanges} are written before the children.
   */
  private record Container(
      int parent, int firstRange, int leadingRanges, int rangeCount, int headerBytes) {}

  private record TraceKey(long high, long low) {}

  /** What is known about one trace of the record while walking it. */
  private static final class Trace {
    final byte[] traceId;
    final IntList spans = new IntList(8);
    int rootSpanCount;
    int errorCount;
    long minStartUnixNano;
    long maxEndUnixNano;

    Trace(byte[] traceId) {
      this.traceId = traceId;
    }

    void add(int span, boolean root, boolean error, long startUnixNano, long endUnixNano) {
      spans.add(span);
      if (root) {
        rootSpanCount++;
      }
      if (error) {
        errorCount++;
      }
      // fixed64 is unsigned; 0 means unset.
      if (startUnixNano != 0
          && (minStartUnixNano == 0 || Long.compareUnsigned(startUnixNano, minStartUnixNano) < 0)) {
        minStartUnixNano = startUnixNano;
      }
      if (Long.compareUnsigned(endUnixNano, maxEndUnixNano) > 0) {
        maxEndUnixNano = endUnixNano;
      }
    }
  }

  /** The state of one split: a walk that records byte ranges, then the writing of fragments. */
  private static final class Split {
    private final WireReader reader;
    private final byte[] input;

    private final List<Container> containers = new ArrayList<>();
    private final IntList rangeStarts = new IntList(16);
    private final IntList rangeLengths = new IntList(16);
    private final IntList spanStarts = new IntList(64);
    private final IntList spanLengths = new IntList(64);
    private final IntList spanScopes = new IntList(64);

    private final List<Trace> traces = new ArrayList<>();
    private final Map<TraceKey, Trace> tracesById = new HashMap<>();
    private Trace lastTrace;
    private long lastHigh;
    private long lastLow;

    Split(byte[] input) {
      this.input = input;
      this.reader = new WireReader(input);
    }

    void readTracesData() throws MalformedProtobufException {
      int resourceSpansIndex = 0;
      int tag;
      while ((tag = reader.readTag()) != 0) {
        if (tag == (TRACES_DATA_RESOURCE_SPANS << 3 | LEN)) {
          readResourceSpans(resourceSpansIndex++);
        } else {
          reader.skipField(tag);
        }
      }
    }

    private void readResourceSpans(int index) throws MalformedProtobufException {
      int length = reader.readLength("resource_spans", index);
      int outerEnd = reader.enterMessage(length, "resource_spans", index);
      try {
        int container = containers.size();
        containers.add(null);
        IntList leading = new IntList(2);
        IntList trailing = new IntList(4);
        int scopeSpansIndex = 0;
        while (true) {
          int fieldStart = reader.position();
          int tag = reader.readTag();
          if (tag == 0) {
            break;
          }
          switch (tag) {
            case RESOURCE_SPANS_SCOPE_SPANS -> {
              readScopeSpans(container, scopeSpansIndex++);
              continue;
            }
            case RESOURCE_SPANS_RESOURCE ->
                OtlpMessageValidator.validateField(reader, OtlpMessage.RESOURCE, "resource", -1);
            case RESOURCE_SPANS_SCHEMA_URL ->
                reader.skipUtf8(reader.readLength("schema_url", -1), "schema_url", -1);
            default -> reader.skipField(tag);
          }
          IntList header =
              WireFormat.getTagFieldNumber(tag) < CHILD_FIELD_NUMBER ? leading : trailing;
          header.add(fieldStart);
          header.add(reader.position() - fieldStart);
        }
        containers.set(container, container(-1, leading, trailing));
      } catch (MalformedProtobufException e) {
        throw e.within("resource_spans", index);
      }
      reader.exitMessage(outerEnd);
    }

    private void readScopeSpans(int resourceSpans, int index) throws MalformedProtobufException {
      int length = reader.readLength("scope_spans", index);
      int outerEnd = reader.enterMessage(length, "scope_spans", index);
      try {
        int container = containers.size();
        containers.add(null);
        IntList leading = new IntList(2);
        IntList trailing = new IntList(4);
        int spanIndex = 0;
        while (true) {
          int fieldStart = reader.position();
          int tag = reader.readTag();
          if (tag == 0) {
            break;
          }
          switch (tag) {
            case SCOPE_SPANS_SPANS -> {
              readSpan(container, spanIndex++, fieldStart);
              continue;
            }
            case SCOPE_SPANS_SCOPE ->
                OtlpMessageValidator.validateField(
                    reader, OtlpMessage.INSTRUMENTATION_SCOPE, "scope", -1);
            case SCOPE_SPANS_SCHEMA_URL ->
                reader.skipUtf8(reader.readLength("schema_url", -1), "schema_url", -1);
            default -> reader.skipField(tag);
          }
          IntList header =
              WireFormat.getTagFieldNumber(tag) < CHILD_FIELD_NUMBER ? leading : trailing;
          header.add(fieldStart);
          header.add(reader.position() - fieldStart);
        }
        containers.set(container, container(resourceSpans, leading, trailing));
      } catch (MalformedProtobufException e) {
        throw e.within("scope_spans", index);
      }
      reader.exitMessage(outerEnd);
    }

    private Container container(int parent, IntList leading, IntList trailing) {
      int firstRange = rangeStarts.size();
      int headerBytes = 0;
      for (IntList ranges : List.of(leading, trailing)) {
        for (int i = 0; i < ranges.size(); i += 2) {
          rangeStarts.add(ranges.get(i));
          rangeLengths.add(ranges.get(i + 1));
          headerBytes += ranges.get(i + 1);
        }
      }
      return new Container(
          parent, firstRange, leading.size() / 2, rangeStarts.size() - firstRange, headerBytes);
    }

    private void readSpan(int scopeSpans, int index, int fieldStart)
        throws MalformedProtobufException {
      int length = reader.readLength("spans", index);
      int outerEnd = reader.enterMessage(length, "spans", index);
      try {
        readSpanFields(scopeSpans, fieldStart);
      } catch (MalformedProtobufException e) {
        throw e.within("spans", index);
      }
      reader.exitMessage(outerEnd);
    }

    private void readSpanFields(int scopeSpans, int fieldStart) throws MalformedProtobufException {
      int traceIdStart = -1;
      int traceIdLength = 0;
      int spanIdLength = -1;
      int parentSpanIdLength = 0;
      long startUnixNano = 0;
      long endUnixNano = 0;
      int statusCode = 0;
      int attributes = 0;
      int events = 0;
      int links = 0;
      int tag;
      while ((tag = reader.readTag()) != 0) {
        switch (tag) {
          case SPAN_TRACE_ID -> {
            traceIdLength = reader.readLength("trace_id", -1);
            traceIdStart = reader.position();
            reader.skipBytes(traceIdLength);
          }
          case SPAN_SPAN_ID -> {
            spanIdLength = reader.readLength("span_id", -1);
            reader.skipBytes(spanIdLength);
          }
          case SPAN_PARENT_SPAN_ID -> {
            parentSpanIdLength = reader.readLength("parent_span_id", -1);
            reader.skipBytes(parentSpanIdLength);
          }
          case SPAN_TRACE_STATE ->
              reader.skipUtf8(reader.readLength("trace_state", -1), "trace_state", -1);
          case SPAN_NAME -> reader.skipUtf8(reader.readLength("name", -1), "name", -1);
          case SPAN_START_TIME -> startUnixNano = reader.readFixed64(7);
          case SPAN_END_TIME -> endUnixNano = reader.readFixed64(8);
          case SPAN_ATTRIBUTES ->
              OtlpMessageValidator.validateField(
                  reader, OtlpMessage.KEY_VALUE, "attributes", attributes++);
          case SPAN_EVENTS ->
              OtlpMessageValidator.validateField(
                  reader, OtlpMessage.SPAN_EVENT, "events", events++);
          case SPAN_LINKS ->
              OtlpMessageValidator.validateField(reader, OtlpMessage.SPAN_LINK, "links", links++);
          case SPAN_STATUS -> statusCode = readStatus(statusCode);
          case SPAN_KIND,
              SPAN_DROPPED_ATTRIBUTES_COUNT,
              SPAN_DROPPED_EVENTS_COUNT,
              SPAN_DROPPED_LINKS_COUNT ->
              reader.skipVarint32(WireFormat.getTagFieldNumber(tag));
          case SPAN_FLAGS -> reader.skipFixed32(16);
          default -> reader.skipField(tag);
        }
      }
      Trace trace = trace(traceIdStart, traceIdLength);
      checkSpanId(spanIdLength, parentSpanIdLength);
      int span = spanStarts.size();
      spanStarts.add(fieldStart);
      spanLengths.add(reader.position() - fieldStart);
      spanScopes.add(scopeSpans);
      trace.add(
          span,
          parentSpanIdLength == 0,
          statusCode == STATUS_CODE_ERROR,
          startUnixNano,
          endUnixNano);
    }

    /** Reads a {@code Status}; repeated occurrences merge, as in protobuf-java. */
    private int readStatus(int statusCode) throws MalformedProtobufException {
      int code = statusCode;
      int length = reader.readLength("status", -1);
      int outerEnd = reader.enterMessage(length, "status", -1);
      try {
        int tag;
        while ((tag = reader.readTag()) != 0) {
          switch (tag) {
            case STATUS_CODE -> code = reader.readVarint32(3);
            case STATUS_MESSAGE -> reader.skipUtf8(reader.readLength("message", -1), "message", -1);
            default -> reader.skipField(tag);
          }
        }
      } catch (MalformedProtobufException e) {
        throw e.within("status", -1);
      }
      reader.exitMessage(outerEnd);
      return code;
    }

    private Trace trace(int traceIdStart, int traceIdLength) throws MalformedProtobufException {
      if (traceIdStart < 0) {
        throw inMessage((path, parent) -> "span " + path + " has no trace_id");
      }
      if (traceIdLength != TraceIds.BYTES) {
        throw inMessage(
            (path, parent) ->
                "span "
                    + path
                    + " has a trace_id of "
                    + traceIdLength
                    + " bytes; it must be "
                    + TraceIds.BYTES);
      }
      long high = (long) BIG_ENDIAN_LONG.get(input, traceIdStart);
      long low = (long) BIG_ENDIAN_LONG.get(input, traceIdStart + Long.BYTES);
      if (high == 0 && low == 0) {
        throw inMessage((path, parent) -> "span " + path + " has a trace_id of all zeros");
      }
      // Spans of one trace tend to be adjacent: skip the map lookup for them.
      if (lastTrace != null && high == lastHigh && low == lastLow) {
        return lastTrace;
      }
      Trace trace =
          tracesById.computeIfAbsent(
              new TraceKey(high, low),
              key -> {
                byte[] traceId = new byte[TraceIds.BYTES];
                System.arraycopy(input, traceIdStart, traceId, 0, TraceIds.BYTES);
                Trace created = new Trace(traceId);
                traces.add(created);
                return created;
              });
      lastTrace = trace;
      lastHigh = high;
      lastLow = low;
      return trace;
    }

    private static void checkSpanId(int spanIdLength, int parentSpanIdLength)
        throws MalformedProtobufException {
      if (spanIdLength < 0) {
        throw inMessage((path, parent) -> "span " + path + " has no span_id");
      }
      if (spanIdLength != SPAN_ID_BYTES) {
        throw inMessage(
            (path, parent) ->
                "span "
                    + path
                    + " has a span_id of "
                    + spanIdLength
                    + " bytes; it must be "
                    + SPAN_ID_BYTES);
      }
      if (parentSpanIdLength != 0 && parentSpanIdLength != SPAN_ID_BYTES) {
        throw inMessage(
            (path, parent) ->
                "span "
                    + path
                    + " has a parent_span_id of "
                    + parentSpanIdLength
                    + " bytes; it must be empty or "
                    + SPAN_ID_BYTES);
      }
    }

    List<TraceFragment> writeFragments() {
      List<TraceFragment> fragments = new ArrayList<>(traces.size());
      IntList sizes = new IntList(16);
      for (Trace trace : traces) {
        sizes.clear();
        int size = measure(trace.spans, sizes);
        byte[] tracesData = new byte[size];
        write(trace.spans, sizes, CodedOutputStream.newInstance(tracesData));
        fragments.add(
            new TraceFragment(
                trace.traceId,
                tracesData,
                trace.spans.size(),
                trace.rootSpanCount,
                trace.errorCount,
                trace.minStartUnixNano,
                trace.maxEndUnixNano));
      }
      return List.copyOf(fragments);
    }

    /**
     * Returns the size of the fragment holding {@code spans}, and adds to {@code sizes} the size of
     * each of its {@code ResourceSpans} and {@code ScopeSpans}, in the order they are written.
     */
    private int measure(IntList spans, IntList sizes) {
      int total = 0;
      int i = 0;
      while (i < spans.size()) {
        int resourceSpans = scopeOf(spans.get(i)).parent();
        int resourceSpansSize = containers.get(resourceSpans).headerBytes();
        int resourceSpansSlot = sizes.size();
        sizes.add(0);
        while (i < spans.size() && scopeOf(spans.get(i)).parent() == resourceSpans) {
          int scopeSpans = spanScopes.get(spans.get(i));
          int scopeSpansSize = containers.get(scopeSpans).headerBytes();
          while (i < spans.size() && spanScopes.get(spans.get(i)) == scopeSpans) {
            scopeSpansSize += spanLengths.get(spans.get(i));
            i++;
          }
          sizes.add(scopeSpansSize);
          resourceSpansSize += lengthDelimitedSize(scopeSpansSize);
        }
        sizes.set(resourceSpansSlot, resourceSpansSize);
        total += lengthDelimitedSize(resourceSpansSize);
      }
      return total;
    }

    private void write(IntList spans, IntList sizes, CodedOutputStream out) {
      try {
        int nextSize = 0;
        int i = 0;
        while (i < spans.size()) {
          int resourceSpans = scopeOf(spans.get(i)).parent();
          out.writeTag(TRACES_DATA_RESOURCE_SPANS, LEN);
          out.writeUInt32NoTag(sizes.get(nextSize++));
          Container resource = containers.get(resourceSpans);
          writeHeader(resource, 0, resource.leadingRanges(), out);
          while (i < spans.size() && scopeOf(spans.get(i)).parent() == resourceSpans) {
            int scopeSpans = spanScopes.get(spans.get(i));
            out.writeTag(CHILD_FIELD_NUMBER, LEN);
            out.writeUInt32NoTag(sizes.get(nextSize++));
            Container scope = containers.get(scopeSpans);
            writeHeader(scope, 0, scope.leadingRanges(), out);
            while (i < spans.size() && spanScopes.get(spans.get(i)) == scopeSpans) {
              int span = spans.get(i++);
              out.writeRawBytes(input, spanStarts.get(span), spanLengths.get(span));
            }
            writeHeader(scope, scope.leadingRanges(), scope.rangeCount(), out);
          }
          writeHeader(resource, resource.leadingRanges(), resource.rangeCount(), out);
        }
        out.checkNoSpaceLeft();
      } catch (IOException | IllegalStateException e) {
        throw new IllegalStateException("fragment size was miscomputed", e);
      }
    }

    private void writeHeader(Container container, int from, int to, CodedOutputStream out)
        throws IOException {
      for (int range = container.firstRange() + from;
          range < container.firstRange() + to;
          range++) {
        out.writeRawBytes(input, rangeStarts.get(range), rangeLengths.get(range));
      }
    }

    private Container scopeOf(int span) {
      return containers.get(spanScopes.get(span));
    }

    private static int lengthDelimitedSize(int payloadSize) {
      // Tags of fields 1 and 2 take one byte.
      return 1 + CodedOutputStream.computeUInt32SizeNoTag(payloadSize) + payloadSize;
    }
  }
}
