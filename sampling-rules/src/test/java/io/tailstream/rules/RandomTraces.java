package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Random traces for differential tests of rule evaluation. Their values cluster around what rules
 * compare with: a few services, names and attribute keys, durations near 500 ms and 2 s, and
 * attribute values of every OTLP type under the same keys, including empty values, duplicated keys
 * and awkward numbers (NaN, -0.0, the ends of the int range).
 *
 * <p>Most are {@link OtlpTraceView}s and {@link WireTraceView}s of OTLP traces. The rest are plain views over
 * Java maps, which may have no span at all, as a {@link TraceView} implemented elsewhere could.
 */
final class RandomTraces {

  /** The attribute keys that the traces use, and so the keys worth testing rules with. */
  static final List<String> KEYS =
      List.of(
          "http.route",
          "sampling.priority",
          "http.response.status_code",
          "peer.service",
          "db.system",
          "user.tier",
          "k",
          "a",
          "b");

  static final List<String> SERVICES =
      List.of("frontend", "checkout", "payments", "reports", "catalog", "");

  static final List<String> NAMES =
      List.of("GET /healthz", "POST /api/checkout", "charge", "GET /v1/x", "SELECT", "");

  private static final List<Object> VALUES =
      List.of(
          "/healthz",
          "/checkout",
          "gold",
          "stripe",
          "postgresql",
          "1",
          "500",
          "",
          "a",
          "z",
          "göld",
          "x".repeat(130), // a length of two bytes on the wire
          0L,
          1L,
          -1L,
          2L,
          499L,
          500L,
          501L,
          Long.MAX_VALUE,
          Long.MIN_VALUE,
          1.0,
          0.25,
          500.0,
          500.5,
          0.0,
          -0.0,
          Double.NaN,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY,
          9.3e18,
          true,
          false,
          new byte[] {0, 1},
          new byte[0],
          List.of("a", 2L),
          List.of(),
          List.of(1L),
          Map.of("nested", "v"),
          Map.of());

  private static final List<Duration> DURATIONS =
      List.of(
          Duration.ZERO,
          Duration.ofMillis(1),
          Duration.ofMillis(499),
          Duration.ofMillis(500),
          Duration.ofMillis(501),
          Duration.ofMillis(800),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofMillis(2001),
          Duration.ofSeconds(3));

  private RandomTraces() {}

  /**
   * Returns {@code count} traces drawn with {@code seed}, so that a failure can be reproduced.
   * Each has a description, for assertion messages.
   */
  static List<Described> generate(long seed, int count) {
    Random random = new Random(seed);
    List<Described> traces = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      traces.add(random.nextInt(5) == 0 ? plain(random) : otlp(random));
    }
    return traces;
  }

  /** A trace and what it holds, as text. */
  record Described(String description, TraceView view) {
    @Override
    public String toString() {
      return description;
    }
  }

  private static Described otlp(Random random) {
    TestTraces.TraceBuilder trace = TestTraces.trace().traceId(traceId(random));
    if (random.nextInt(5) == 0) {
      trace.withoutRoot();
    }
    StringBuilder description = new StringBuilder("otlp");
    int spans = 1 + random.nextInt(6);
    for (int i = 0; i < spans; i++) {
      String service = pick(random, SERVICES);
      String name = pick(random, NAMES);
      TestTraces.SpanBuilder span =
          span(random.nextInt(8) == 0 ? null : service, name)
              .kind(pick(random, List.of(SpanKind.values())
                  .subList(0, SpanKind.values().length - 1)))
              .status(pick(random, List.of(StatusCode.values())
                  .subList(0, StatusCode.values().length - 1)))
              .start(Duration.ofMillis(random.nextInt(1000)))
              .duration(pick(random, DURATIONS));
      description.append(" [").append(service).append(" '").append(name).append("'");
      int attributes = random.nextInt(5);
      for (int j = 0; j < attributes; j++) {
        String key = pick(random, KEYS);
        // null is an OTLP value that is not set.
        Object value = random.nextInt(12) == 0 ? null : pick(random, VALUES);
        span.attribute(key, value);
        description.append(' ').append(key).append('=').append(text(value));
      }
      if (random.nextBoolean()) {
        Object environment = pick(random, List.of("prod", "staging", "dev", 1L));
        span.resourceAttribute("deployment.environment", environment);
        description.append(" resource deployment.environment=").append(text(environment));
      }
      trace.span(span);
      description.append(']');
    }
    CompletionReason completion = pick(random, List.of(CompletionReason.values()));
    if (random.nextBoolean()) {
      // The same trace read in place from its bytes, as the sampler decides it.
      return new Described("wire " + description,
          WireTraceView.of(trace.build().toByteArray(), completion));
    }
    return new Described(description.toString(), trace.view(completion));
  }

  private static Described plain(Random random) {
    int count = random.nextInt(4);
    List<SpanView> spans = new ArrayList<>();
    StringBuilder description = new StringBuilder("plain");
    for (int i = 0; i < count; i++) {
      Map<String, Object> attributes = new LinkedHashMap<>();
      int n = random.nextInt(5);
      for (int j = 0; j < n; j++) {
        attributes.put(pick(random, KEYS), javaValue(pick(random, VALUES)));
      }
      PlainSpan span =
          new PlainSpan(
              pick(random, SERVICES),
              pick(random, NAMES),
              pick(random, List.of("SERVER", "CLIENT", "INTERNAL")),
              pick(random, List.of("OK", "ERROR", "UNSET")),
              pick(random, DURATIONS).toNanos(),
              Collections.unmodifiableMap(attributes),
              Map.of("service.name", "x", "deployment.environment", "prod"));
      spans.add(span);
      description.append(' ').append(span);
    }
    SpanView root = spans.isEmpty() || random.nextBoolean() ? null : spans.get(0);
    description.append(root == null ? " no root" : " root first");
    PlainTrace trace = new PlainTrace(traceId(random), List.copyOf(spans), root);
    return new Described(description.toString(), trace);
  }

  private static String traceId(Random random) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /** Converts a value to what SpanView documents: bytes as a ByteString. */
  private static Object javaValue(Object value) {
    return value instanceof byte[] ? ByteString.copyFrom((byte[]) value) : value;
  }

  private static String text(Object value) {
    if (value instanceof byte[]) {
      return "bytes" + java.util.Arrays.toString((byte[]) value);
    }
    if (value instanceof String) {
      return '"' + (String) value + '"';
    }
    return value == null ? "<not set>" : value + "(" + value.getClass().getSimpleName() + ")";
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  private record PlainSpan(
      String service,
      String name,
      String kind,
      String status,
      long durationNanos,
      Map<String, Object> attributes,
      Map<String, Object> resource)
      implements SpanView {

    @Override
    public long startUnixNano() {
      return TestTraces.BASE_START_NANOS;
    }

    @Override
    public String traceState() {
      return "";
    }

    @Override
    public String toString() {
      StringBuilder text = new StringBuilder("[" + service + " '" + name + "' " + kind + " "
          + status + " " + durationNanos + "ns");
      attributes.forEach((key, value) -> text.append(' ').append(key).append('=').append(
          text(value instanceof ByteString ? ((ByteString) value).toByteArray() : value)));
      return text.append(']').toString();
    }
  }

  private record PlainTrace(String traceIdHex, List<SpanView> spans, SpanView rootSpan)
      implements TraceView {

    @Override
    public byte[] traceId() {
      return HexFormat.of().parseHex(traceIdHex);
    }

    @Override
    public Optional<SpanView> root() {
      return Optional.ofNullable(rootSpan);
    }

    @Override
    public long startUnixNano() {
      return spans.isEmpty() ? 0L : TestTraces.BASE_START_NANOS;
    }

    @Override
    public long durationNanos() {
      return spans.stream().mapToLong(SpanView::durationNanos).max().orElse(0L);
    }

    @Override
    public int spanCount() {
      return spans.size();
    }

    @Override
    public int errorCount() {
      return (int) spans.stream().filter(span -> span.status().equals("ERROR")).count();
    }

    @Override
    public int serviceCount() {
      return new HashSet<>(spans.stream().map(SpanView::service).toList()).size();
    }

    @Override
    public CompletionReason completion() {
      return CompletionReason.IDLE;
    }
  }
}
