package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A {@link TraceView} read in place from a trace's OTLP {@code TracesData} bytes, without parsing
 * them into protobuf objects: the sampler's decisions read every span's timing, kind, status and
 * parent, but only the few attributes its rules and metrics ask for, and decoding every string of
 * a trace cost more than the rules themselves. It sees exactly what {@link OtlpTraceView} sees of
 * the same trace parsed by protobuf-java, clock-skew handling included.
 *
 * <p>The bytes must not be modified while the view or its spans are in use.
 */
public final class WireTraceView implements TraceView {
  private static final int TRACE_ID_BYTES = 16;
  private static final int RESOURCE_SPANS = 1 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int RESOURCE = 1 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int SCOPE_SPANS = 2 << 3 | WireCursor.LENGTH_DELIMITED;
  private static final int SPANS = 2 << 3 | WireCursor.LENGTH_DELIMITED;
  /** {@code Resource.attributes}. */
  private static final int RESOURCE_ATTRIBUTES_FIELD = 1;

  private final List<WireSpan> spans;
  private final byte[] traceId;
  private final String traceIdHex;
  private final TraceSummary summary;
  private final CompletionReason completion;

  private WireTraceView(List<WireSpan> spans, TraceSummary summary,
      CompletionReason completion) {
    this.spans = spans;
    this.traceId = spans.get(0).traceIdArray();
    this.traceIdHex = HexFormat.of().formatHex(traceId);
    this.summary = summary;
    this.completion = completion;
  }

  /**
   * Like {@link #of(byte[], CompletionReason, Duration)} with the {@linkplain
   * OtlpTraceView#DEFAULT_MAX_CLOCK_SKEW default clock-skew bound} of 1 hour.
   */
  public static WireTraceView of(byte[] tracesData, CompletionReason completion) {
    return of(tracesData, completion, OtlpTraceView.DEFAULT_MAX_CLOCK_SKEW);
  }

  /**
   * Reads the spans of one trace from OTLP {@code TracesData} bytes; resource and scope grouping
   * may be arbitrary, and concatenated {@code TracesData} messages are one message.
   *
   * @param tracesData the trace's spans, protobuf-encoded; not modified, nor copied
   * @param completion why the trace was considered complete
   * @param maxClockSkew as for {@link OtlpTraceView#of(io.opentelemetry.proto.trace.v1.TracesData,
   *     CompletionReason, Duration)}
   * @return the view
   * @throws IllegalArgumentException if the bytes are not protobuf, or hold no span, a trace ID
   *     that is not 16 bytes or spans of more than one trace, or if {@code maxClockSkew} is not
   *     positive
   */
  public static WireTraceView of(
      byte[] tracesData, CompletionReason completion, Duration maxClockSkew) {
    requireNonNull(tracesData, "tracesData");
    requireNonNull(completion, "completion");
    requireNonNull(maxClockSkew, "maxClockSkew");
    TraceSummary.requirePositive(maxClockSkew);
    List<WireSpan> spans = new ArrayList<>();
    WireCursor data = new WireCursor(tracesData, 0, tracesData.length);
    for (int tag = data.readTag(); tag != 0; tag = data.readTag()) {
      if (tag == RESOURCE_SPANS) {
        readResourceSpans(data.payload(data.readLength()), tracesData, spans);
      } else {
        data.skip(tag);
      }
    }
    if (spans.isEmpty()) {
      throw new IllegalArgumentException("a trace needs at least one span");
    }
    WireSpan first = spans.get(0);
    for (WireSpan span : spans) {
      if (!span.sameTraceId(first)) {
        throw new IllegalArgumentException("the spans belong to more than one trace");
      }
    }
    if (first.traceIdLength() != TRACE_ID_BYTES) {
      throw new IllegalArgumentException("the trace ID has " + first.traceIdLength()
          + " bytes but it must have " + TRACE_ID_BYTES);
    }
    return new WireTraceView(Collections.unmodifiableList(spans),
        TraceSummary.of(spans, maxClockSkew), completion);
  }

  private static void readResourceSpans(WireCursor in, byte[] buffer, List<WireSpan> spans) {
    int first = spans.size();
    // protobuf merges every occurrence of the resource field, so its attributes are all of them.
    int[] resources = new int[0];
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == RESOURCE) {
        int length = in.readLength();
        int start = in.payloadStart();
        int[] grown = new int[resources.length + 2];
        System.arraycopy(resources, 0, grown, 0, resources.length);
        grown[resources.length] = start;
        grown[resources.length + 1] = start + length;
        resources = grown;
      } else if (tag == SCOPE_SPANS) {
        readScopeSpans(in.payload(in.readLength()), buffer, spans);
      } else {
        in.skip(tag);
      }
    }
    if (spans.size() > first) {
      OtlpResource resource = new OtlpResource(
          new WireKeyValues(buffer, resources, RESOURCE_ATTRIBUTES_FIELD));
      for (int i = first; i < spans.size(); i++) {
        spans.get(i).attach(resource);
      }
    }
  }

  private static void readScopeSpans(WireCursor in, byte[] buffer, List<WireSpan> spans) {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == SPANS) {
        int length = in.readLength();
        spans.add(WireSpan.read(buffer, in.payloadStart(), in.payloadStart() + length));
      } else {
        in.skip(tag);
      }
    }
  }

  /** The spans, with the accessors the sampler's metrics read. */
  public List<WireSpan> wireSpans() {
    return spans;
  }

  @Override
  public byte[] traceId() {
    return traceId.clone();
  }

  @Override
  public String traceIdHex() {
    return traceIdHex;
  }

  @Override
  @SuppressWarnings("unchecked") // an unmodifiable list is only read, so widening it is safe
  public List<SpanView> spans() {
    return (List<SpanView>) (List<? extends SpanView>) spans;
  }

  @Override
  public Optional<SpanView> root() {
    return Optional.ofNullable(summary.root());
  }

  @Override
  public long startUnixNano() {
    return summary.startUnixNano();
  }

  @Override
  public long durationNanos() {
    return summary.durationNanos();
  }

  @Override
  public int spanCount() {
    return spans.size();
  }

  @Override
  public int errorCount() {
    return summary.errorCount();
  }

  @Override
  public int serviceCount() {
    return summary.serviceCount();
  }

  @Override
  public CompletionReason completion() {
    return completion;
  }

  /** The spans whose timestamps were clamped or left out of the start and duration. */
  public OtlpTraceView.ClockSkew clockSkew() {
    return summary.clockSkew();
  }

  @Override
  public String toString() {
    return "WireTraceView{traceId=" + traceIdHex + ", spans=" + spans.size() + '}';
  }
}
