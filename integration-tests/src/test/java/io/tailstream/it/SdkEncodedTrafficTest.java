package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that this project did not encode: spans are made with the OpenTelemetry Java SDK (several
 * {@link SdkTracerProvider}s, one per service, nested spans across services, events, links,
 * attributes of every type) and serialized by the SDK's own OTLP marshaler
 * ({@link TraceRequestMarshaler}), many traces per record and every trace spread over records,
 * with null keys over three partitions of a real broker. Exactly the traces the rules keep must
 * come out of the sampled topic, each with every span once; the expected decisions are computed
 * here, from the span data the SDK produced.
 */
class SdkEncodedTrafficTest {
  static final int PARTITIONS = 3;
  static final int TRACES = 1_500;
  static final String[] SERVICES = {"frontend", "cart", "checkout", "payment", "catalog"};
  static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  /** 2025-10-09T08:53:20Z: span times are explicit, never the wall clock. */
  static final long BASE_NANOS = 1_760_000_000_000_000_000L;

  static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  enum Kind { ERROR, SLOW, PRIORITY, HEALTH, NORMAL }

  /** One trace as the SDK recorded it: its spans' IDs and each span's service. */
  record SdkTrace(String id, Kind kind, Map<String, String> serviceBySpanId) {
    boolean expectedKept() {
      switch (kind) {
        case HEALTH:
          return false;
        case ERROR:
        case SLOW:
        case PRIORITY:
          return true;
        default:
          return GeneratedTraces.randomness(id)
              .compareTo(GeneratedTraces.threshold(GeneratedTraces.DEFAULT_PROBABILITY)) >= 0;
      }
    }

    String expectedRule() {
      switch (kind) {
        case HEALTH:
          return "drop-health-checks";
        case ERROR:
          return "errors";
        case SLOW:
          return "slow";
        case PRIORITY:
          return "priority";
        default:
          return "default";
      }
    }
  }

  /** Collects what the SDK's {@link SimpleSpanProcessor} exports as each span ends. */
  static final class CollectingExporter implements SpanExporter {
    final List<SpanData> spans = Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  /** Seeded IDs, so that a failure can be reproduced; still uniformly random bits. */
  static final class SeededIds implements IdGenerator {
    final Random random;

    SeededIds(long seed) {
      random = new Random(seed);
    }

    @Override
    public String generateSpanId() {
      long id;
      do {
        id = random.nextLong();
      } while (id == 0);
      return SpanId.fromLong(id);
    }

    @Override
    public String generateTraceId() {
      long high = random.nextLong();
      long low;
      do {
        low = random.nextLong();
      } while (low == 0 && high == 0);
      return TraceId.fromLongs(high, low);
    }

    @Override
    public boolean generatesRandomTraceIds() {
      return true;
    }
  }

  /** Realistic traffic made with the SDK's tracer API, one tracer provider per service. */
  static final class SdkTraffic implements AutoCloseable {
    final Random random;
    final CollectingExporter exporter = new CollectingExporter();
    final Map<String, SdkTracerProvider> providers = new LinkedHashMap<>();
    final Map<String, List<Tracer>> tracers = new HashMap<>();
    final Map<String, Kind> kinds = new LinkedHashMap<>();
    SpanContext previousRoot = SpanContext.getInvalid();

    SdkTraffic(long seed) {
      random = new Random(seed);
      IdGenerator ids = new SeededIds(seed + 1);
      for (String service : SERVICES) {
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
            SERVICE_NAME, service,
            AttributeKey.stringKey("deployment.environment.name"), "it",
            AttributeKey.longKey("host.cpu.count"), 8L)));
        SdkTracerProvider provider = SdkTracerProvider.builder()
            .setResource(resource)
            .setIdGenerator(ids)
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
        providers.put(service, provider);
        tracers.put(service, List.of(
            provider.tracerBuilder("io.tailstream.it.http").setInstrumentationVersion("1.4.2")
                .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0").build(),
            provider.get("io.tailstream.it.db")));
      }
    }

    Tracer tracer(String service) {
      List<Tracer> scopes = tracers.get(service);
      return scopes.get(random.nextInt(scopes.size()));
    }

    String anyService() {
      return SERVICES[random.nextInt(SERVICES.length)];
    }

    /** A started span with its explicit start and planned end. */
    record Timed(Span span, long start, long end) {}

    void traces(int count) {
      for (int i = 0; i < count; i++) {
        double r = random.nextDouble();
        trace(r < 0.05 ? Kind.ERROR : r < 0.10 ? Kind.SLOW : r < 0.15 ? Kind.PRIORITY
            : r < 0.25 ? Kind.HEALTH : Kind.NORMAL);
      }
    }

    void trace(Kind kind) {
      long start = BASE_NANOS + random.nextInt(600_000) * 1_000_000L;
      long duration = kind == Kind.SLOW
          ? 2_500_000_000L + random.nextInt(2_000) * 1_000_000L
          : 5_000_000L + random.nextInt(1_500) * 1_000_000L;
      String rootService = anyService();
      var rootBuilder = tracer(rootService)
          .spanBuilder(kind == Kind.HEALTH ? "GET /healthz" : "GET /api/v1/items/{id}")
          .setNoParent()
          .setSpanKind(SpanKind.SERVER)
          .setStartTimestamp(start, TimeUnit.NANOSECONDS)
          .setAttribute("http.request.method", "GET")
          .setAttribute("http.response.status_code", kind == Kind.ERROR ? 500L : 200L)
          .setAttribute(AttributeKey.stringKey("url.path"),
              kind == Kind.HEALTH ? "/healthz" : "/api/v1/items/" + random.nextInt(1_000));
      if (previousRoot.isValid() && random.nextInt(5) == 0) {
        // A link carries another trace's ID inside this trace's span.
        rootBuilder.addLink(previousRoot, Attributes.of(AttributeKey.stringKey("link.kind"),
            "follows"));
      }
      Span root = rootBuilder.startSpan();
      String traceId = root.getSpanContext().getTraceId();
      kinds.put(traceId, kind);

      List<Timed> spans = new ArrayList<>();
      spans.add(new Timed(root, start, start + duration));
      int children = kind == Kind.HEALTH ? random.nextInt(2) : 1 + random.nextInt(8);
      for (int c = 0; c < children; c++) {
        Timed parent = spans.get(random.nextInt(spans.size()));
        long window = parent.end() - parent.start();
        long childStart = parent.start() + (long) (random.nextDouble() * window / 2);
        long childEnd = childStart + (long) (random.nextDouble() * (parent.end() - childStart));
        String service = anyService();
        Span child = tracer(service).spanBuilder(service + " op " + c)
            .setParent(Context.root().with(parent.span()))
            .setSpanKind(SpanKind.values()[random.nextInt(SpanKind.values().length)])
            .setStartTimestamp(childStart, TimeUnit.NANOSECONDS)
            .startSpan();
        child.setAttribute("db.system.name", "postgresql");
        child.setAttribute(AttributeKey.longKey("retry.count"), (long) random.nextInt(3));
        child.setAttribute(AttributeKey.booleanKey("cache.hit"), random.nextBoolean());
        child.setAttribute(AttributeKey.doubleKey("load.ratio"), random.nextDouble());
        child.setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b" + c));
        if (random.nextInt(3) == 0) {
          child.addEvent("cache.lookup", Attributes.of(AttributeKey.stringKey("cache.key"),
              "k" + random.nextInt(100)), childStart, TimeUnit.NANOSECONDS);
        }
        spans.add(new Timed(child, childStart, childEnd));
      }

      switch (kind) {
        case ERROR -> {
          Timed failing = spans.get(1 + random.nextInt(spans.size() - 1));
          failing.span().setStatus(StatusCode.ERROR, "upstream failed");
          failing.span().addEvent("exception", Attributes.of(
              AttributeKey.stringKey("exception.type"), "java.io.IOException",
              AttributeKey.stringKey("exception.message"), "connection reset"),
              failing.end(), TimeUnit.NANOSECONDS);
        }
        case PRIORITY -> spans.get(random.nextInt(spans.size())).span()
            .setAttribute("sampling.priority", 1L);
        case HEALTH -> {
          // The health-check rule comes first: even a failing health check is dropped.
          if (spans.size() > 1 && random.nextBoolean()) {
            spans.get(1).span().setStatus(StatusCode.ERROR);
          }
        }
        case NORMAL -> {
          if (random.nextInt(5) == 0) {
            root.setAttribute("sampling.priority", 0L);
          }
          if (random.nextBoolean()) {
            root.setStatus(StatusCode.OK);
          }
        }
        default -> { }
      }

      // Children end before their parents, as instrumented code does.
      for (int s = spans.size() - 1; s >= 0; s--) {
        spans.get(s).span().end(spans.get(s).end(), TimeUnit.NANOSECONDS);
      }
      previousRoot = root.getSpanContext();
    }

    /** Every trace with its span IDs and services, from the span data the SDK exported. */
    List<SdkTrace> recorded() {
      Map<String, Map<String, String>> byTrace = new LinkedHashMap<>();
      for (SpanData s : exporter.spans) {
        byTrace.computeIfAbsent(s.getTraceId(), k -> new HashMap<>())
            .put(s.getSpanId(), s.getResource().getAttribute(SERVICE_NAME));
      }
      return byTrace.entrySet().stream()
          .map(e -> new SdkTrace(e.getKey(), kinds.get(e.getKey()), e.getValue()))
          .collect(Collectors.toList());
    }

    /**
     * Shuffles every exported span and serializes them with the SDK's marshaler as
     * ExportTraceServiceRequests of 10 to 60 spans: many traces per record, most traces in
     * several records, spans of several resources and scopes in one record.
     */
    List<byte[]> records() throws IOException {
      List<SpanData> all = new ArrayList<>(exporter.spans);
      Collections.shuffle(all, random);
      List<byte[]> records = new ArrayList<>();
      int i = 0;
      while (i < all.size()) {
        int end = Math.min(all.size(), i + 10 + random.nextInt(51));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(all.subList(i, end)).writeBinaryTo(out);
        records.add(out.toByteArray());
        i = end;
      }
      return records;
    }

    @Override
    public void close() {
      providers.values().forEach(SdkTracerProvider::close);
    }
  }

  TailstreamConfig config(String name) throws Exception {
    return Pipelines.config(kafka, dir, name, dir.resolve("state"), "3s");
  }

  static void produce(TailstreamConfig config, List<byte[]> records) {
    Pipelines.produce(kafka, config, records);
  }


  /** What came out of the sampled topic, merged over all records of each trace. */
  static final class Sampled {
    final Map<String, List<String>> spanIdsByTrace = new HashMap<>();
    final Map<String, String> serviceBySpanId = new HashMap<>();
    final Map<String, String> ruleBySpanId = new HashMap<>();

    Sampled(List<ConsumerRecord<String, byte[]>> records) throws IOException {
      HexFormat hex = HexFormat.of();
      for (ConsumerRecord<String, byte[]> r : records) {
        List<String> ids = spanIdsByTrace.computeIfAbsent(r.key(), k -> new ArrayList<>());
        for (ResourceSpans rs : TracesData.parseFrom(r.value()).getResourceSpansList()) {
          String service = stringAttribute(rs.getResource().getAttributesList(),
              SERVICE_NAME.getKey());
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
              assertThat(hex.formatHex(s.getTraceId().toByteArray()))
                  .as("trace ID of a span in the record keyed %s", r.key()).isEqualTo(r.key());
              String spanId = hex.formatHex(s.getSpanId().toByteArray());
              ids.add(spanId);
              serviceBySpanId.put(spanId, service);
              ruleBySpanId.put(spanId, stringAttribute(s.getAttributesList(), "sampling.rule"));
            }
          }
        }
      }
    }

    static String stringAttribute(List<KeyValue> attributes, String key) {
      return attributes.stream().filter(kv -> kv.getKey().equals(key))
          .map(kv -> kv.getValue().getStringValue()).findFirst().orElse(null);
    }
  }

  @Test
  void keepsExactlyTheSdkEncodedTracesTheRulesKeepWithEverySpan() throws Exception {
    TailstreamConfig config = config("sdk");
    List<SdkTrace> traces;
    List<byte[]> records;
    try (SdkTraffic traffic = new SdkTraffic(20_251_121L)) {
      traffic.traces(TRACES);
      traces = traffic.recorded();
      records = traffic.records();
    }
    assertThat(traces).hasSize(TRACES);
    long spanCount = traces.stream().mapToLong(t -> t.serviceBySpanId().size()).sum();
    Map<Kind, Long> perKind = traces.stream()
        .collect(Collectors.groupingBy(SdkTrace::kind, Collectors.counting()));
    assertThat(perKind).as("every kind of trace is generated").hasSize(Kind.values().length);
    Map<String, SdkTrace> byId = traces.stream()
        .collect(Collectors.toMap(SdkTrace::id, t -> t));
    Set<String> expectedKept = traces.stream().filter(SdkTrace::expectedKept)
        .map(SdkTrace::id).collect(Collectors.toSet());

    produce(config, records);
    try (SamplerApp app = SamplerApp.start(config);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled());
        CommittedReader deadLetters = new CommittedReader(kafka, config.topics().deadLetter())) {
      decisions.pollUntil(() -> decisions.records.size() >= traces.size(),
          Duration.ofSeconds(60));
      sampled.pollUntil(() -> sampled.keys().size() >= expectedKept.size(),
          Duration.ofSeconds(20));
      sampled.drain(Duration.ofSeconds(2));
      decisions.drain(Duration.ofMillis(500));
      deadLetters.drain(Duration.ofSeconds(1));

      assertThat(deadLetters.records).as("SDK-encoded records sent to the dead-letter topic")
          .isEmpty();
      assertThat(app.metrics().registry().get("tailstream.records.received").counter().count())
          .isEqualTo((double) records.size());
      assertThat(app.metrics().registry().get("tailstream.spans.received").counter().count())
          .isEqualTo((double) spanCount);

      // One decision per trace, by the rule its class calls for.
      Map<String, Integer> decisionCount = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : decisions.records) {
        TraceDecision d = TraceDecisionCodec.decode(r.value());
        assertThat(d.getTraceId()).isEqualTo(r.key());
        decisionCount.merge(r.key(), 1, Integer::sum);
        SdkTrace t = byId.get(r.key());
        assertThat(t).as("decision for unknown trace %s", r.key()).isNotNull();
        assertThat(d.getRule()).as("rule for %s trace %s", t.kind(), t.id())
            .isEqualTo(t.expectedRule());
        assertThat(d.getDecision()).as("decision for %s trace %s", t.kind(), t.id())
            .isEqualTo(t.expectedKept() ? Decision.KEEP : Decision.DROP);
        assertThat(d.getSpanCount()).as("span count of %s trace %s", t.kind(), t.id())
            .isEqualTo(t.serviceBySpanId().size());
      }
      assertThat(decisionCount.keySet()).containsExactlyInAnyOrderElementsOf(byId.keySet());
      assertThat(decisionCount.values()).containsOnly(1);

      // Exactly the kept traces, each with every span exactly once, resource and rule intact.
      Sampled out = new Sampled(sampled.records);
      assertThat(out.spanIdsByTrace.keySet()).containsExactlyInAnyOrderElementsOf(expectedKept);
      for (String id : expectedKept) {
        SdkTrace t = byId.get(id);
        assertThat(out.spanIdsByTrace.get(id)).as("spans of kept %s trace %s", t.kind(), id)
            .doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(t.serviceBySpanId().keySet());
        t.serviceBySpanId().forEach((spanId, service) -> {
          assertThat(out.serviceBySpanId.get(spanId)).as("service.name of span %s", spanId)
              .isEqualTo(service);
          assertThat(out.ruleBySpanId.get(spanId)).as("sampling.rule of span %s", spanId)
              .isEqualTo(t.expectedRule());
        });
      }
      assertThat(traces.stream().filter(t -> !t.expectedKept()).map(SdkTrace::id))
          .as("dropped traces (health checks, unsampled normal traces) in the sampled topic")
          .doesNotContainAnyElementsOf(out.spanIdsByTrace.keySet());

      // The consistent 10% sample of normal traces: within four standard deviations.
      long normal = perKind.get(Kind.NORMAL);
      long normalKept = traces.stream()
          .filter(t -> t.kind() == Kind.NORMAL && out.spanIdsByTrace.containsKey(t.id())).count();
      double p = GeneratedTraces.DEFAULT_PROBABILITY;
      double bound = 4 * Math.sqrt(p * (1 - p) / normal);
      assertThat((double) normalKept / normal).isBetween(p - bound, p + bound);
    }
  }
}
