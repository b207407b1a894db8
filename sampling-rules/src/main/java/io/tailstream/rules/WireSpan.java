package io.tailstream.rules;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Arrays;
import java.util.Map;

/**
 * A span of a {@link WireTraceView}, read in place from the OTLP bytes of its trace: the fields
 * every decision needs are read when the view is made; names, attributes and the trace state are
 * decoded when first asked for.
 */
public final class WireSpan implements OtlpSpan {
  private static final int TRACE_ID = 1 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int SPAN_ID = 2 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int TRACE_STATE = 3 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int PARENT_SPAN_ID = 4 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int NAME = 5 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int KIND = 6 << 3 | WireCursor.VARINT;
  private static final int START = 7 << 3 | WireCursor.FIXED64;
  private static final int END = 8 << 3 | WireCursor.FIXED64;
  private static final int STATUS = 15 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int STATUS_CODE = 3 << 3 | WireCursor.VARINT;
  /** {@code Span.attributes}. */
  static final int ATTRIBUTES_FIELD = 9;

  private final byte[] buffer;
  private final int start;
  private final int end;
  private int traceIdStart;
  private int traceIdLength;
  private int spanIdStart;
  private int spanIdLength;
  private int parentStart;
  private int parentLength;
  private int nameStart;
  private int nameLength;
  private int traceStateStart;
  private int traceStateLength;
  private int kind;
  private int statusCode;
  private long startUnixNano;
  private long endUnixNano;
  private OtlpResource resource;
  private String name;
  private volatile WireKeyValues attributeSource;
  private volatile AttributeMapValue celAttributes;
  private volatile Map<String, Object> attributes;

  private WireSpan(byte[] buffer, int start, int end) {
    this.buffer = buffer;
    this.start = start;
    this.end = end;
  }

  /** Reads the span message between {@code start} and {@code end}; its resource comes later. */
  static WireSpan read(byte[] buffer, int start, int end) {
    WireSpan span = new WireSpan(buffer, start, end);
    WireCursor in = new WireCursor(buffer, start, end);
    // A field sent twice counts as protobuf counts it: the last scalar wins, messages merge.
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case TRACE_ID -> {
          span.traceIdLength = in.readLength();
          span.traceIdStart = in.payloadStart();
        }
        case SPAN_ID -> {
          span.spanIdLength = in.readLength();
          span.spanIdStart = in.payloadStart();
        }
        case TRACE_STATE -> {
          span.traceStateLength = in.readLength();
          span.traceStateStart = in.payloadStart();
        }
        case PARENT_SPAN_ID -> {
          span.parentLength = in.readLength();
          span.parentStart = in.payloadStart();
        }
        case NAME -> {
          span.nameLength = in.readLength();
          span.nameStart = in.payloadStart();
        }
        case KIND -> span.kind = (int) in.readVarint();
        case START -> span.startUnixNano = in.readFixed64();
        case END -> span.endUnixNano = in.readFixed64();
        case STATUS -> span.readStatus(in.payload(in.readLength()));
        default -> in.skip(tag);
      }
    }
    return span;
  }

  private void readStatus(WireCursor status) {
    for (int tag = status.readTag(); tag != 0; tag = status.readTag()) {
      if (tag == STATUS_CODE) {
        statusCode = (int) status.readVarint();
      } else {
        status.skip(tag);
      }
    }
  }

  void attach(OtlpResource spanResource) {
    this.resource = spanResource;
  }

  /** Whether the trace ID equals that of {@code other}. */
  boolean sameTraceId(WireSpan other) {
    return Arrays.equals(buffer, traceIdStart, traceIdStart + traceIdLength,
        other.buffer, other.traceIdStart, other.traceIdStart + other.traceIdLength);
  }

  int traceIdLength() {
    return traceIdLength;
  }

  byte[] traceIdArray() {
    return Arrays.copyOfRange(buffer, traceIdStart, traceIdStart + traceIdLength);
  }

  /** The trace ID, copied. */
  public ByteString traceId() {
    return ByteString.copyFrom(buffer, traceIdStart, traceIdLength);
  }

  /** The span ID, copied. */
  public ByteString spanId() {
    return ByteString.copyFrom(buffer, spanIdStart, spanIdLength);
  }

  /** The parent span ID, copied; empty for a root span. */
  public ByteString parentSpanId() {
    return ByteString.copyFrom(buffer, parentStart, parentLength);
  }

  /**
   * The span ID as a number for hashing: its eight bytes, as OTLP span IDs have, else a hash of
   * them. Equal IDs have equal keys; {@link #isChildOf} tells whether IDs are equal.
   */
  public long spanIdKey() {
    return idKey(spanIdStart, spanIdLength);
  }

  /** The parent span ID as a number for hashing, like {@link #spanIdKey()}. */
  public long parentSpanIdKey() {
    return idKey(parentStart, parentLength);
  }

  private long idKey(int idStart, int idLength) {
    long key = idLength == Long.BYTES ? 0 : idLength;
    for (int i = 0; i < idLength; i++) {
      key = (idLength == Long.BYTES ? key << 8 : key * 31) + (buffer[idStart + i] & 0xff);
    }
    return key;
  }

  /** Whether this span's parent span ID is {@code other}'s span ID. */
  public boolean isChildOf(WireSpan other) {
    return parentLength > 0 && Arrays.equals(buffer, parentStart, parentStart + parentLength,
        other.buffer, other.spanIdStart, other.spanIdStart + other.spanIdLength);
  }

  /** The span kind; {@code UNRECOGNIZED} for a number OTLP does not define. */
  public Span.SpanKind spanKind() {
    Span.SpanKind k = Span.SpanKind.forNumber(kind);
    return k == null ? Span.SpanKind.UNRECOGNIZED : k;
  }

  /** The status code; {@code UNRECOGNIZED} for a number OTLP does not define. */
  public Status.StatusCode statusCode() {
    Status.StatusCode c = Status.StatusCode.forNumber(statusCode);
    return c == null ? Status.StatusCode.UNRECOGNIZED : c;
  }

  /**
   * The value of the span's first attribute with this key as text ({@link
   * AnyValueText#canonical}), or null if it has none.
   */
  public String attributeText(String key) {
    return attributeSource().text(key);
  }

  /** Like {@link #attributeText}, for an attribute of the span's resource. */
  public String resourceAttributeText(String key) {
    return resource.attributeText(key);
  }

  @Override
  public String name() {
    String result = name;
    if (result == null) {
      result = WireCursor.utf8(buffer, nameStart, nameLength);
      name = result;
    }
    return result;
  }

  @Override
  public String kind() {
    return OtlpSpan.kindName(Span.SpanKind.forNumber(kind));
  }

  @Override
  public String status() {
    return OtlpSpan.statusName(Status.StatusCode.forNumber(statusCode));
  }

  @Override
  public boolean isError() {
    return statusCode == Status.StatusCode.STATUS_CODE_ERROR_VALUE;
  }

  @Override
  public boolean hasParent() {
    return parentLength > 0;
  }

  @Override
  public long startUnixNano() {
    return startUnixNano;
  }

  @Override
  public long endUnixNano() {
    return endUnixNano;
  }

  @Override
  public Map<String, Object> attributes() {
    Map<String, Object> result = attributes;
    if (result == null) {
      result = AttributeValues.toMap(attributeSource().keyValues());
      attributes = result;
    }
    return result;
  }

  @Override
  public AttributeMapValue celAttributes() {
    AttributeMapValue result = celAttributes;
    if (result == null) {
      Map<String, Object> converted = attributes;
      result = converted != null
          ? AttributeMapValue.of(converted)
          : AttributeMapValue.ofSource(attributeSource());
      celAttributes = result;
    }
    return result;
  }

  private WireKeyValues attributeSource() {
    WireKeyValues result = attributeSource;
    if (result == null) {
      result = new WireKeyValues(buffer, new int[] {start, end}, ATTRIBUTES_FIELD);
      attributeSource = result;
    }
    return result;
  }

  @Override
  public OtlpResource otlpResource() {
    return resource;
  }

  @Override
  public String traceState() {
    return WireCursor.utf8(buffer, traceStateStart, traceStateLength);
  }

  /** The span, parsed by protobuf-java. */
  // Visible for testing
  Span toProto() {
    try {
      return Span.parseFrom(UnsafeByteOperations.unsafeWrap(buffer, start, end - start));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed OTLP span", e);
    }
  }

  @Override
  public String toString() {
    return "WireSpan{service=" + service() + ", name=" + name() + '}';
  }
}
