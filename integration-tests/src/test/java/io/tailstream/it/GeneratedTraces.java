package io.tailstream.it;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Traces of known classes with random IDs, and what the integration tests' rules must decide for
 * each. The expected decision is computed here, independently of the sampler's code.
 */
final class GeneratedTraces {
  static final String RULES = String.join("\n",
      "rules:",
      "  - name: drop-health-checks",
      "    when: root.name == \"GET /healthz\"",
      "    action: drop",
      "  - name: errors",
      "    when: trace.error_count > 0",
      "    action: keep",
      "  - name: slow",
      "    when: trace.duration > duration(\"2s\")",
      "    action: keep",
      "  - name: priority",
      "    when: spans.exists(s, \"sampling.priority\" in s.attributes"
          + " && s.attributes[\"sampling.priority\"] == 1)",
      "    action: keep",
      "  - name: default",
      "    action: { sample: 0.1 }",
      "");
  static final double DEFAULT_PROBABILITY = 0.1;

  enum Kind { ERROR, SLOW, PRIORITY, HEALTH, NORMAL }

  record Trace(String id, Kind kind, List<Map.Entry<String, Span>> spans) {
    boolean expectedKept() {
      switch (kind) {
        case HEALTH:
          return false;
        case ERROR:
        case SLOW:
        case PRIORITY:
          return true;
        default:
          return randomness(id).compareTo(threshold(DEFAULT_PROBABILITY)) >= 0;
      }
    }

    Set<String> spanIds() {
      Set<String> ids = new java.util.HashSet<>();
      spans.forEach(e -> ids.add(HexFormat.of().formatHex(e.getValue().getSpanId().toByteArray())));
      return ids;
    }
  }

  /** The OTel rejection threshold: (1 - p) * 2^56, rounded. */
  static BigInteger threshold(double p) {
    return new BigDecimal(1 - p).multiply(new BigDecimal(BigInteger.ONE.shiftLeft(56)))
        .setScale(0, java.math.RoundingMode.HALF_EVEN).toBigInteger();
  }

  /** The last 7 bytes of the trace ID as an unsigned number. */
  static BigInteger randomness(String traceIdHex) {
    return new BigInteger(traceIdHex.substring(18), 16);
  }

  private static final String[] SERVICES = {"frontend", "cart", "checkout", "payment", "catalog"};

  private final Random random;

  GeneratedTraces(long seed) {
    this.random = new Random(seed);
  }

  List<Trace> traces(int count) {
    List<Trace> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      double r = random.nextDouble();
      Kind kind = r < 0.05 ? Kind.ERROR : r < 0.10 ? Kind.SLOW : r < 0.15 ? Kind.PRIORITY
          : r < 0.25 ? Kind.HEALTH : Kind.NORMAL;
      out.add(trace(kind));
    }
    return out;
  }

  Trace trace(Kind kind) {
    byte[] traceId = new byte[16];
    random.nextBytes(traceId);
    traceId[0] |= 1;
    long start = 1_760_000_000_000_000_000L + random.nextInt(1_000_000) * 1_000_000L;
    List<Map.Entry<String, Span>> spans = new ArrayList<>();
    byte[] rootId = spanId();
    long rootDuration = kind == Kind.SLOW ? 3_000_000_000L : 50_000_000L;
    spans.add(Map.entry("frontend", span(traceId, rootId, null,
        kind == Kind.HEALTH ? "GET /healthz" : "GET /api/" + random.nextInt(20), start,
        rootDuration, false, kind == Kind.PRIORITY)));
    int children = kind == Kind.HEALTH ? 0 : 1 + random.nextInt(6);
    int errorAt = kind == Kind.ERROR ? random.nextInt(children) : -1;
    for (int c = 0; c < children; c++) {
      spans.add(Map.entry(SERVICES[1 + random.nextInt(SERVICES.length - 1)], span(traceId,
          spanId(), rootId, "call " + c, start + 1_000_000L, 10_000_000L, c == errorAt, false)));
    }
    return new Trace(HexFormat.of().formatHex(traceId), kind, spans);
  }

  private byte[] spanId() {
    byte[] id = new byte[8];
    random.nextBytes(id);
    id[0] |= 1;
    return id;
  }

  private static Span span(byte[] traceId, byte[] id, byte[] parent, String name, long start,
      long duration, boolean error, boolean priority) {
    Span.Builder b = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(traceId))
        .setSpanId(ByteString.copyFrom(id))
        .setName(name)
        .setKind(parent == null ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + duration)
        .setStatus(Status.newBuilder().setCode(error
            ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_OK));
    if (parent != null) {
      b.setParentSpanId(ByteString.copyFrom(parent));
    }
    if (priority) {
      b.addAttributes(KeyValue.newBuilder().setKey("sampling.priority")
          .setValue(AnyValue.newBuilder().setIntValue(1)));
    }
    return b.build();
  }

  /**
   * Packs the traces' spans, shuffled, into export requests of at most {@code spansPerRecord}
   * spans: many traces per record, and most traces spread over several records.
   */
  List<byte[]> records(List<Trace> traces, int spansPerRecord) {
    List<Map.Entry<String, Span>> all = new ArrayList<>();
    traces.forEach(t -> all.addAll(t.spans()));
    Collections.shuffle(all, random);
    List<byte[]> records = new ArrayList<>();
    for (int i = 0; i < all.size(); i += spansPerRecord) {
      records.add(request(all.subList(i, Math.min(all.size(), i + spansPerRecord))));
    }
    return records;
  }

  /**
   * Batches of {@code tracesPerBatch} whole traces each, every batch packed as by {@link
   * #records}: within a batch the spans are shuffled over records, but no trace spans batches.
   */
  List<List<byte[]>> batches(List<Trace> traces, int tracesPerBatch, int spansPerRecord) {
    List<List<byte[]>> batches = new ArrayList<>();
    for (int i = 0; i < traces.size(); i += tracesPerBatch) {
      batches.add(records(traces.subList(i, Math.min(traces.size(), i + tracesPerBatch)),
          spansPerRecord));
    }
    return batches;
  }

  static byte[] request(List<Map.Entry<String, Span>> spans) {
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    spans.forEach(e -> byService.computeIfAbsent(e.getKey(), k -> ScopeSpans.newBuilder())
        .addSpans(e.getValue()));
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    byService.forEach((service, scope) -> b.addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
        .addScopeSpans(scope)));
    return b.build().toByteArray();
  }
}
