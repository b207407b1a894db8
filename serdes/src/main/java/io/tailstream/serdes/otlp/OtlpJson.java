package io.tailstream.serdes.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Objects;

/**
 * Converts between OTLP/JSON, the JSON encoding of OTLP/HTTP, and OTLP protobuf.
 *
 * <p>OTLP/JSON is the protobuf JSON mapping with two differences, which this class handles: trace
 * and span IDs (of spans and of span links) are hex strings instead of base64, and enums are
 * integers (names are accepted too). Field names are lowerCamelCase; the original snake_case names
 * are accepted as well. 64-bit integers may be strings or numbers. Unknown fields are ignored, as
 * the specification requires of receivers.
 */
public final class OtlpJson {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonFormat.Parser PROTO_JSON_PARSER =
      JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PROTO_JSON_PRINTER =
      JsonFormat.printer().printingEnumsAsInts().omittingInsignificantWhitespace();
  private static final DefaultPrettyPrinter PRETTY_PRINTER =
      new DefaultPrettyPrinter()
          .withSeparators(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
          .withArrayIndenter(new DefaultIndenter("  ", "\n"))
          .withObjectIndenter(new DefaultIndenter("  ", "\n"));

  private OtlpJson() {}

  /** The ID fields that OTLP/JSON writes in hex, with their length in bytes. */
  private enum Id {
    TRACE_ID(TraceIds.BYTES),
    SPAN_ID(TraceSplitter.SPAN_ID_BYTES),
    PARENT_SPAN_ID(TraceSplitter.SPAN_ID_BYTES);

    final int bytes;

    Id(int bytes) {
      this.bytes = bytes;
    }

    static Id byFieldName(String name) {
      return switch (name) {
        case "traceId", "trace_id" -> TRACE_ID;
        case "spanId", "span_id" -> SPAN_ID;
        case "parentSpanId", "parent_span_id" -> PARENT_SPAN_ID;
        default -> null;
      };
    }
  }

  /**
   * Decodes an OTLP/JSON {@code TracesData} or {@code ExportTraceServiceRequest} into the protobuf
   * bytes of a {@code TracesData}.
   *
   * @param json UTF-8 JSON, for example the body of an OTLP/HTTP request with content type {@code
   *     application/json}
   * @return serialized {@code opentelemetry.proto.trace.v1.TracesData}
   * @throws CorruptSpanDataException if {@code json} is empty, is not valid JSON, is not an OTLP
   *     traces object, or holds an ID that is not hex of the right length
   */
  public static byte[] toProto(byte[] json) {
    Objects.requireNonNull(json, "json");
    if (json.length == 0) {
      throw new CorruptSpanDataException("empty record");
    }
    String protoJson;
    try (JsonParser parser = JSON.createParser(json)) {
      protoJson = transcode(parser, false, null);
    } catch (JsonProcessingException e) {
      throw new CorruptSpanDataException(
          "invalid OTLP JSON" + at(e.getLocation()) + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CorruptSpanDataException("invalid OTLP JSON: " + e.getMessage(), e);
    }
    TracesData.Builder tracesData = TracesData.newBuilder();
    try {
      PROTO_JSON_PARSER.merge(protoJson, tracesData);
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptSpanDataException("invalid OTLP JSON: " + e.getMessage(), e);
    }
    return tracesData.build().toByteArray();
  }

  /**
   * Encodes {@code data} as pretty-printed OTLP/JSON: hex IDs, integer enums, lowerCamelCase field
   * names. Meant for test fixtures and debugging.
   */
  public static String toJson(TracesData data) {
    Objects.requireNonNull(data, "data");
    try {
      String protoJson = PROTO_JSON_PRINTER.print(data);
      try (JsonParser parser = JSON.createParser(protoJson)) {
        return transcode(parser, true, PRETTY_PRINTER.createInstance());
      }
    } catch (IOException e) {
      // Neither printing a TracesData, which holds no Any fields, nor re-reading it can fail.
      throw new UncheckedIOException("could not print TracesData as JSON", e);
    }
  }

  /**
   * Copies one JSON object token by token, converting span and link IDs from hex to base64, or back
   * when {@code toHex}. Numbers are copied exactly, keeping the precision of 64-bit values.
   */
  private static String transcode(JsonParser parser, boolean toHex, DefaultPrettyPrinter pretty)
      throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new CorruptSpanDataException("empty record");
    }
    if (token != JsonToken.START_OBJECT) {
      throw invalid(parser, "the top-level value must be an object, but it is " + describe(token));
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = JSON.createGenerator(out)) {
      if (pretty != null) {
        generator.setPrettyPrinter(pretty);
      }
      do {
        Id id = idAt(parser, token);
        if (id == null) {
          copyExact(parser, generator);
        } else if (token == JsonToken.VALUE_STRING) {
          generator.writeString(toHex ? base64ToHex(parser.getText()) : hexToBase64(parser, id));
        } else if (token == JsonToken.VALUE_NULL) {
          generator.writeNull();
        } else {
          throw invalid(
              parser,
              path(valueContext(parser, token))
                  + " must be a string of hex digits, but it is "
                  + describe(token));
        }
        // Jackson itself rejects input that ends before the top-level object does.
        token = parser.nextToken();
      } while (!parser.getParsingContext().inRoot());
      generator.copyCurrentEventExact(parser);
    }
    if (parser.nextToken() != null) {
      throw invalid(parser, "unexpected content after the top-level object");
    }
    return out.toString();
  }

  private static void copyExact(JsonParser parser, JsonGenerator generator) throws IOException {
    try {
      generator.copyCurrentEventExact(parser);
    } catch (NumberFormatException e) {
      // Jackson throws this, not a JsonProcessingException, for a number that BigDecimal cannot
      // hold, such as 1e9999999999.
      throw invalid(parser, path(parser.getParsingContext()) + " is a number out of range");
    }
  }

  private static String hexToBase64(JsonParser parser, Id id) throws IOException {
    String hex = parser.getText();
    if (id == Id.PARENT_SPAN_ID && hex.isEmpty()) {
      return hex;
    }
    try {
      return Base64.getEncoder()
          .encodeToString(Hex.decode(hex, id.bytes, path(parser.getParsingContext())));
    } catch (IllegalArgumentException e) {
      throw invalid(parser, e.getMessage());
    }
  }

  private static String base64ToHex(String base64) {
    return Hex.encode(Base64.getDecoder().decode(base64));
  }

  /**
   * Which ID the value at {@code token} is: a span's or a link's ID under {@code
   * resourceSpans[].scopeSpans[].spans[]}; null for any other token.
   */
  private static Id idAt(JsonParser parser, JsonToken token) {
    if (token == JsonToken.FIELD_NAME || token.isStructEnd()) {
      return null;
    }
    JsonStreamContext object = valueContext(parser, token);
    if (!object.inObject()) {
      return null;
    }
    Id id = Id.byFieldName(object.getCurrentName());
    if (id == null) {
      return null;
    }
    if (isSpan(object)) {
      return id;
    }
    JsonStreamContext span = ownerOfElement(object, "links", "links");
    return id != Id.PARENT_SPAN_ID && span != null && isSpan(span) ? id : null;
  }

  /**
   * The context that holds the current value's field name or array index: for an object or array
   * value, the parent of the context that the value opens.
   */
  private static JsonStreamContext valueContext(JsonParser parser, JsonToken token) {
    JsonStreamContext context = parser.getParsingContext();
    return token.isStructStart() ? context.getParent() : context;
  }

  private static boolean isSpan(JsonStreamContext object) {
    JsonStreamContext scopeSpans = ownerOfElement(object, "spans", "spans");
    JsonStreamContext resourceSpans = ownerOfElement(scopeSpans, "scopeSpans", "scope_spans");
    JsonStreamContext root = ownerOfElement(resourceSpans, "resourceSpans", "resource_spans");
    return root != null && root.getParent().inRoot();
  }

  /**
   * If {@code object} is an element of an array held by field {@code camelCase} (or {@code
   * snakeCase}) of another object, returns that object's context; otherwise null.
   */
  private static JsonStreamContext ownerOfElement(
      JsonStreamContext object, String camelCase, String snakeCase) {
    if (object == null || !object.inObject() || !object.getParent().inArray()) {
      return null;
    }
    JsonStreamContext owner = object.getParent().getParent();
    String name = owner.getCurrentName();
    return owner.inObject() && (camelCase.equals(name) || snakeCase.equals(name)) ? owner : null;
  }

  /**
   * The JSON path of the current value, such as {@code
   * resourceSpans[0].scopeSpans[1].spans[2].traceId}.
   */
  private static String path(JsonStreamContext context) {
    Deque<String> segments = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        segments.addFirst("[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        segments.addFirst((c.getParent().inRoot() ? "" : ".") + c.getCurrentName());
      }
    }
    return String.join("", segments);
  }

  private static CorruptSpanDataException invalid(JsonParser parser, String problem) {
    return new CorruptSpanDataException(
        "invalid OTLP JSON" + at(parser.currentTokenLocation()) + ": " + problem);
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 0
        ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.name();
    };
  }
}
