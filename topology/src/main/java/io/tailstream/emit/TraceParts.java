package io.tailstream.emit;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Splits a serialized OTLP {@code TracesData} that is too large for one Kafka record into parts
 * that each fit, at the protobuf wire level: span, resource and scope bytes are copied, never
 * re-encoded.
 *
 * <p>Each part is itself a valid {@code TracesData}. Spans keep their order. A part holds
 * consecutive spans; each span is in exactly one part, or, when it cannot fit in a part even on
 * its own (with its resource and scope), in {@link Split#oversized()}. A part repeats the
 * resource and scope (with their schema URLs) of every span it holds. Resources and scopes
 * without spans are not carried into parts. {@code TracesData} has no field but its resource
 * spans, so nothing else is lost.
 */
public final class TraceParts {
  private static final int TRACES_DATA_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  private static final int SCOPE_SPANS_SPANS = 2;
  private static final int SPAN_SPAN_ID = 2;
  /** Span fields 9 to 14: attributes, events and links, and their dropped counts. */
  private static final int SPAN_FIRST_BULKY_FIELD = 9;
  private static final int SPAN_LAST_BULKY_FIELD = 14;

  private TraceParts() {}

  /**
   * The parts of a trace.
   *
   * @param parts each a serialized {@code TracesData} of at most the requested size
   * @param oversized spans that alone, with their resource and scope, exceed the requested size
   */
  public record Split(List<byte[]> parts, List<OversizedSpan> oversized) {
    public Split {
      parts = List.copyOf(parts);
      oversized = List.copyOf(oversized);
    }
  }

  /**
   * One span too large for a record of its own. It cannot be written whole anywhere a record of
   * that size limit goes, so {@code summary} keeps what identifies it.
   *
   * @param spanIdHex the span ID in hex, or {@code ""} if the span has none
   * @param encodedBytes the size of the span alone with its resource and scope, as a {@code
   *     TracesData}
   * @param summary a serialized {@code TracesData} of at most the requested size holding the span
   *     without its attributes, events and links, with its resource and scope if they fit, else
   *     without them; empty if even that does not fit
   */
  public record OversizedSpan(String spanIdHex, int encodedBytes, byte[] summary) {}

  /**
   * Splits {@code tracesData} into parts of at most {@code maxPartBytes} bytes each, packing
   * spans greedily in order.
   *
   * @param tracesData a serialized {@code TracesData}; not modified
   * @param maxPartBytes the largest part, in bytes; positive
   * @throws IllegalArgumentException if {@code tracesData} is not a valid {@code TracesData} at
   *     the levels this reads (resource spans, scope spans, span boundaries)
   */
  public static Split split(byte[] tracesData, int maxPartBytes) {
    if (maxPartBytes <= 0) {
      throw new IllegalArgumentException("maxPartBytes must be positive");
    }
    List<byte[]> parts = new ArrayList<>();
    List<OversizedSpan> oversized = new ArrayList<>();
    try {
      PartBuilder part = new PartBuilder();
      CodedInputStream in = CodedInputStream.newInstance(tracesData);
      in.enableAliasing(true);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (!isLengthDelimited(tag, TRACES_DATA_RESOURCE_SPANS)) {
          in.skipField(tag);
          continue;
        }
        Container resource = Container.parse(in.readBytes(), RESOURCE_SPANS_SCOPE_SPANS);
        for (ByteString scopeBytes : resource.children) {
          Container scope = Container.parse(scopeBytes, SCOPE_SPANS_SPANS);
          for (ByteString span : scope.children) {
            if (part.sizeWith(resource, scope, span) <= maxPartBytes) {
              part.add(resource, scope, span);
              continue;
            }
            if (!part.isEmpty()) {
              parts.add(part.toByteArray());
              part = new PartBuilder();
            }
            if (part.sizeWith(resource, scope, span) <= maxPartBytes) {
              part.add(resource, scope, span);
            } else {
              oversized.add(oversized(resource, scope, span, maxPartBytes));
            }
          }
        }
      }
      if (!part.isEmpty()) {
        parts.add(part.toByteArray());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a valid TracesData: " + e.getMessage(), e);
    }
    return new Split(parts, oversized);
  }

  private static OversizedSpan oversized(
      Container resource, Container scope, ByteString span, int maxPartBytes) throws IOException {
    PartBuilder alone = new PartBuilder();
    long size = alone.sizeWith(resource, scope, span);
    ByteString skeleton = skeleton(span);
    byte[] summary = new byte[0];
    PartBuilder withContext = new PartBuilder();
    Container bareResource = new Container(ByteString.EMPTY, List.of());
    Container bareScope = new Container(ByteString.EMPTY, List.of());
    PartBuilder bare = new PartBuilder();
    if (withContext.sizeWith(resource, scope, skeleton) <= maxPartBytes) {
      withContext.add(resource, scope, skeleton);
      summary = withContext.toByteArray();
    } else if (bare.sizeWith(bareResource, bareScope, skeleton) <= maxPartBytes) {
      bare.add(bareResource, bareScope, skeleton);
      summary = bare.toByteArray();
    }
    return new OversizedSpan(spanIdHex(span), (int) Math.min(Integer.MAX_VALUE, size), summary);
  }

  /** The span without attributes, events, links and their dropped counts. */
  private static ByteString skeleton(ByteString span) throws IOException {
    CodedInputStream in = span.newCodedInput();
    ByteString.Output out = ByteString.newOutput();
    while (true) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == 0) {
        return out.toByteString();
      }
      in.skipField(tag);
      int field = WireFormat.getTagFieldNumber(tag);
      if (field < SPAN_FIRST_BULKY_FIELD || field > SPAN_LAST_BULKY_FIELD) {
        span.substring(start, in.getTotalBytesRead()).writeTo(out);
      }
    }
  }

  private static boolean isLengthDelimited(int tag, int fieldNumber) {
    return WireFormat.getTagFieldNumber(tag) == fieldNumber
        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  private static String spanIdHex(ByteString span) throws IOException {
    CodedInputStream in = span.newCodedInput();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return "";
      }
      if (isLengthDelimited(tag, SPAN_SPAN_ID)) {
        return HexFormat.of().formatHex(in.readByteArray());
      }
      in.skipField(tag);
    }
  }

  /** Bytes of a length-delimited field with field number 1 or 2 (one-byte tag) and payload n. */
  private static long entry(long payload) {
    return 1 + CodedOutputStream.computeUInt64SizeNoTag(payload) + payload;
  }

  /**
   * A {@code ResourceSpans} or {@code ScopeSpans}: its repeated child field (scope spans, or
   * spans) as slices, and every other field copied as it was, in {@code header}.
   */
  private static final class Container {
    final ByteString header;
    final List<ByteString> children;

    private Container(ByteString header, List<ByteString> children) {
      this.header = header;
      this.children = children;
    }

    static Container parse(ByteString message, int childField) throws IOException {
      CodedInputStream in = message.newCodedInput();
      in.enableAliasing(true);
      ByteString.Output header = ByteString.newOutput();
      List<ByteString> children = new ArrayList<>();
      while (true) {
        int start = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (isLengthDelimited(tag, childField)) {
          children.add(in.readBytes());
        } else {
          in.skipField(tag);
          message.substring(start, in.getTotalBytesRead()).writeTo(header);
        }
      }
      return new Container(header.toByteString(), children);
    }
  }

  /** Spans of one part, grouped as in the input, with the part's encoded size kept current. */
  private static final class PartBuilder {
    private final List<ResourceEntry> resources = new ArrayList<>();
    /** Encoded bytes of every resource entry before the last. */
    private long closedResources;
    /** Encoded bytes of every scope entry of the last resource before its last scope. */
    private long closedScopes;
    /** Payload bytes of the last scope: its header and span entries. */
    private long openScope;

    boolean isEmpty() {
      return resources.isEmpty();
    }

    /** The encoded size of this part if {@code span} were added. */
    long sizeWith(Container resource, Container scope, ByteString span) {
      long spanEntry = entry(span.size());
      ResourceEntry last = lastResource();
      if (last != null && last.source == resource) {
        long scopes = last.lastScope().source == scope
            ? closedScopes + entry(openScope + spanEntry)
            : closedScopes + entry(openScope) + entry(scope.header.size() + spanEntry);
        return closedResources + entry(resource.header.size() + scopes);
      }
      long before = last == null ? 0 : closedResources + entry(last.source.header.size()
          + closedScopes + entry(openScope));
      return before + entry(resource.header.size() + entry(scope.header.size() + spanEntry));
    }

    void add(Container resource, Container scope, ByteString span) {
      ResourceEntry last = lastResource();
      if (last == null || last.source != resource) {
        if (last != null) {
          closedResources += entry(last.source.header.size() + closedScopes + entry(openScope));
        }
        last = new ResourceEntry(resource);
        resources.add(last);
        closedScopes = 0;
        openScope = -1;
      }
      if (last.scopes.isEmpty() || last.lastScope().source != scope) {
        if (openScope >= 0) {
          closedScopes += entry(openScope);
        }
        last.scopes.add(new ScopeEntry(scope));
        openScope = scope.header.size();
      }
      last.lastScope().spans.add(span);
      openScope += entry(span.size());
    }

    byte[] toByteArray() {
      ResourceEntry last = lastResource();
      long size = last == null ? 0 : closedResources + entry(last.source.header.size()
          + closedScopes + entry(openScope));
      byte[] out = new byte[Math.toIntExact(size)];
      CodedOutputStream o = CodedOutputStream.newInstance(out);
      try {
        for (ResourceEntry r : resources) {
          o.writeTag(TRACES_DATA_RESOURCE_SPANS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
          o.writeUInt32NoTag(Math.toIntExact(r.payloadSize()));
          o.writeRawBytes(r.source.header);
          for (ScopeEntry s : r.scopes) {
            o.writeTag(RESOURCE_SPANS_SCOPE_SPANS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(Math.toIntExact(s.payloadSize()));
            o.writeRawBytes(s.source.header);
            for (ByteString span : s.spans) {
              o.writeBytes(SCOPE_SPANS_SPANS, span);
            }
          }
        }
        o.checkNoSpaceLeft();
      } catch (IOException e) {
        throw new IllegalStateException("part size miscomputed", e);
      }
      return out;
    }

    private ResourceEntry lastResource() {
      return resources.isEmpty() ? null : resources.get(resources.size() - 1);
    }
  }

  private static final class ResourceEntry {
    final Container source;
    final List<ScopeEntry> scopes = new ArrayList<>();

    ResourceEntry(Container source) {
      this.source = source;
    }

    ScopeEntry lastScope() {
      return scopes.get(scopes.size() - 1);
    }

    long payloadSize() {
      long size = source.header.size();
      for (ScopeEntry s : scopes) {
        size += entry(s.payloadSize());
      }
      return size;
    }
  }

  private static final class ScopeEntry {
    final Container source;
    final List<ByteString> spans = new ArrayList<>();

    ScopeEntry(Container source) {
      this.source = source;
    }

    long payloadSize() {
      long size = source.header.size();
      for (ByteString span : spans) {
        size += entry(span.size());
      }
      return size;
    }
  }
}
