package io.tailstream.tracemetrics;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.rules.SpanView;
import io.tailstream.rules.WireSpan;
import io.tailstream.rules.WireTraceView;
import io.tailstream.tracemetrics.MetricFamily.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Metrics computed from every span of every trace at its decision, kept or dropped: span metrics
 * (the OpenTelemetry Collector {@code spanmetrics} connector's), service-graph edges (its {@code
 * servicegraph} connector's) and trace-level metrics. Exemplars come only from kept traces.
 *
 * <p>One instance is shared by all stream threads of a process. Each trace is decided on exactly
 * one instance, so the sum over instances counts every span once. Values are cumulative since
 * the process started; {@link #snapshot()} reads them for {@code /metrics} and the metrics topic.
 */
public final class TraceMetrics {
  /** The span-metric names, as the collector's {@code spanmetrics} connector writes them. */
  public static final String CALLS = "traces.span.metrics.calls";
  public static final String DURATION = "traces.span.metrics.duration";
  public static final String EDGE_REQUESTS = "traces_service_graph_request_total";
  public static final String EDGE_FAILED = "traces_service_graph_request_failed_total";
  public static final String EDGE_SERVER = "traces_service_graph_request_server_seconds";
  public static final String EDGE_CLIENT = "traces_service_graph_request_client_seconds";
  public static final String TRACE_DURATION = "tailstream.trace.duration";
  public static final String TRACE_COUNT = "tailstream.trace.count";
  public static final String TRACE_KEPT = "tailstream.trace.kept";
  public static final String TRACE_ADJUSTED = "tailstream.trace.adjusted_count";

  /** The value of {@code service.name} for a resource without one, as the OTel SDKs write it. */
  static final String UNKNOWN_SERVICE = "unknown_service";
  /** Root service and name of a trace without a root span. */
  static final String NO_ROOT = "unknown";
  /** Client-span attributes naming an uninstrumented callee, in order of preference. */
  static final List<String> VIRTUAL_NODE_ATTRIBUTES =
      List.of("peer.service", "db.system", "server.address");

  private static final List<String> EDGE_ATTRIBUTES = List.of("client", "server",
      "connection_type");

  private final List<TailstreamConfig.Dimension> dimensions;
  private final List<String> spanAttributes;
  private final double[] msBounds;
  private final double[] secondBounds;
  private final int maxExemplars;
  private final LongSupplier epochNanos;
  private final long startEpochNanos;
  private final SeriesTable<Histogram> spans;
  private final SeriesTable<Edge> edges;
  private final SeriesTable<Histogram> traceDurations;
  private final SeriesTable<Tally> tracesByRoot;
  private final SeriesTable<Tally> keptByRoot;

  /**
   * @param overflowed called with a family's name for every measurement folded into its overflow
   *     series
   * @param epochNanos the wall clock, in nanoseconds since the epoch
   */
  public TraceMetrics(
      TailstreamConfig.Metrics config, Consumer<String> overflowed, LongSupplier epochNanos) {
    this.dimensions = config.dimensions();
    List<String> attributes = new ArrayList<>(TailstreamConfig.Dimension.BUILT_IN);
    dimensions.forEach(d -> attributes.add(d.name()));
    this.spanAttributes = List.copyOf(attributes);
    this.msBounds = bounds(config.durationBuckets(), 1e6);
    this.secondBounds = bounds(config.durationBuckets(), 1e9);
    this.maxExemplars = config.maxExemplars();
    this.epochNanos = epochNanos;
    this.startEpochNanos = epochNanos.getAsLong();
    int max = config.maxSeries();
    this.spans = new SeriesTable<>(max, () -> new Histogram(msBounds, maxExemplars),
        () -> overflowed.accept("span_metrics"));
    this.edges = new SeriesTable<>(max, () -> new Edge(secondBounds),
        () -> overflowed.accept("service_graph"));
    this.traceDurations = new SeriesTable<>(max, () -> new Histogram(secondBounds, maxExemplars),
        () -> overflowed.accept(TRACE_DURATION));
    this.tracesByRoot = new SeriesTable<>(max, Tally::new,
        () -> overflowed.accept(TRACE_COUNT));
    this.keptByRoot = new SeriesTable<>(max, Tally::new, () -> overflowed.accept(TRACE_KEPT));
  }

  /** Trace metrics with the wall clock. */
  public TraceMetrics(TailstreamConfig.Metrics config, Consumer<String> overflowed) {
    this(config, overflowed, TraceMetrics::wallClockNanos);
  }

  static long wallClockNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static double[] bounds(List<Duration> buckets, double nanosPerUnit) {
    double[] b = new double[buckets.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = buckets.get(i).toNanos() / nanosPerUnit;
    }
    return b;
  }

  /** When the cumulative values started: this object's creation. */
  public long startEpochNanos() {
    return startEpochNanos;
  }

  /**
   * Records a decided trace: every span's call and duration, its service-graph edges, and the
   * trace-level metrics.
   *
   * @param view the view the rules saw: the spans, the root and the clock-skew-clamped duration
   * @param kept whether the trace was kept; only kept traces give exemplars
   * @param sampleRate the deciding rule's probability of keeping such a trace (for adjusted
   *     counts)
   */
  public void traceDecided(WireTraceView view, boolean kept, double sampleRate) {
    long now = epochNanos.getAsLong();
    recordSpans(view, kept, now);
    recordEdges(view);
    Optional<SpanView> root = view.root();
    String rootService = root.map(SpanView::service).orElse(NO_ROOT);
    String rootName = root.map(SpanView::name).orElse(NO_ROOT);
    String outcome = view.errorCount() > 0 ? "error" : "ok";
    double seconds = view.durationNanos() / 1e9;
    Exemplar exemplar = kept && maxExemplars > 0
        ? new Exemplar(ByteString.copyFrom(view.traceId()), ByteString.EMPTY, seconds, now)
        : null;
    traceDurations.get(SeriesKey.of(rootService, rootName, outcome)).record(seconds, exemplar);
    tracesByRoot.get(SeriesKey.of(rootService)).add(1, 0);
    if (kept) {
      keptByRoot.get(SeriesKey.of(rootService, rootName))
          .add(1, sampleRate > 0 ? 1.0 / sampleRate : 1.0);
    }
  }

  /**
   * Records spans that arrived after their trace was decided: their calls and durations only,
   * since their edges' other ends were counted with the trace.
   */
  public void lateSpans(WireTraceView view, boolean kept) {
    recordSpans(view, kept, epochNanos.getAsLong());
  }

  private void recordSpans(WireTraceView view, boolean kept, long now) {
    boolean exemplars = kept && maxExemplars > 0;
    int width = spanAttributes.size();
    for (WireSpan span : view.wireSpans()) {
      String[] values = new String[width];
      values[0] = serviceName(span);
      values[1] = span.name();
      values[2] = kindName(span.spanKind());
      values[3] = statusName(span.statusCode());
      for (int d = 0; d < dimensions.size(); d++) {
        TailstreamConfig.Dimension dimension = dimensions.get(d);
        String value = span.attributeText(dimension.name());
        if (value == null) {
          value = span.resourceAttributeText(dimension.name());
        }
        values[4 + d] = value == null ? dimension.defaultValue() : value;
      }
      double ms = span.durationNanos() / 1e6;
      Exemplar exemplar = exemplars
          ? new Exemplar(span.traceId(), span.spanId(), ms, now)
          : null;
      spans.get(SeriesKey.of(values)).record(ms, exemplar);
    }
  }

  /**
   * Pairs every CLIENT span with its SERVER or CONSUMER children, and every PRODUCER span with its
   * CONSUMER children. A CLIENT span without such a child that names its callee in {@link
   * #VIRTUAL_NODE_ATTRIBUTES} makes an edge to a virtual node of that name.
   */
  private void recordEdges(WireTraceView view) {
    List<WireSpan> callers = new ArrayList<>();
    Map<Long, List<WireSpan>> calleesByParent = new HashMap<>();
    for (WireSpan span : view.wireSpans()) {
      Span.SpanKind kind = span.spanKind();
      if (kind == Span.SpanKind.SPAN_KIND_CLIENT || kind == Span.SpanKind.SPAN_KIND_PRODUCER) {
        callers.add(span);
      } else if ((kind == Span.SpanKind.SPAN_KIND_SERVER
          || kind == Span.SpanKind.SPAN_KIND_CONSUMER) && span.hasParent()) {
        calleesByParent.computeIfAbsent(span.parentSpanIdKey(), k -> new ArrayList<>(1))
            .add(span);
      }
    }
    for (WireSpan client : callers) {
      boolean paired = false;
      for (WireSpan server : calleesByParent.getOrDefault(client.spanIdKey(), List.of())) {
        if (!server.isChildOf(client)) {
          continue; // another ID with the same key
        }
        boolean messaging = server.spanKind() == Span.SpanKind.SPAN_KIND_CONSUMER;
        if (!messaging && client.spanKind() == Span.SpanKind.SPAN_KIND_PRODUCER) {
          continue;
        }
        paired = true;
        Edge edge = edges.get(SeriesKey.of(serviceName(client), serviceName(server),
            messaging ? "messaging_system" : ""));
        edge.requests.add(1, 0);
        if (client.isError() || server.isError()) {
          edge.failed.add(1, 0);
        }
        edge.server.record(server.durationNanos() / 1e9, null);
        edge.client.record(client.durationNanos() / 1e9, null);
      }
      if (!paired && client.spanKind() == Span.SpanKind.SPAN_KIND_CLIENT) {
        recordVirtualEdge(client);
      }
    }
  }

  private void recordVirtualEdge(WireSpan client) {
    String callee = null;
    for (String key : VIRTUAL_NODE_ATTRIBUTES) {
      callee = client.attributeText(key);
      if (callee != null && !callee.isEmpty()) {
        break;
      }
    }
    if (callee == null || callee.isEmpty()) {
      return;
    }
    boolean database = client.attributeText("db.system") != null;
    Edge edge = edges.get(SeriesKey.of(serviceName(client), callee,
        database ? "database" : "virtual_node"));
    edge.requests.add(1, 0);
    if (client.isError()) {
      edge.failed.add(1, 0);
    }
    edge.client.record(client.durationNanos() / 1e9, null);
  }

  /** Reads every family's current values. */
  public List<MetricFamily> snapshot() {
    List<String> rootAttributes = List.of("root.service", "root.name");
    return List.of(
        family(CALLS, "traces_span_metrics_calls",
            "Spans of every trace, kept or dropped, recorded at the trace's decision", "1",
            Type.LONG_SUM, spanAttributes, new double[0], spans,
            (key, h) -> withoutBuckets(h.snapshot(key))),
        family(DURATION, "traces_span_metrics_duration_milliseconds",
            "Span durations of every trace, kept or dropped", "ms", Type.HISTOGRAM,
            spanAttributes, msBounds, spans, (key, h) -> h.snapshot(key)),
        family(EDGE_REQUESTS, "traces_service_graph_request",
            "Requests between two services, from CLIENT/PRODUCER spans paired with their"
                + " SERVER/CONSUMER children (or a virtual node)", "1", Type.LONG_SUM,
            EDGE_ATTRIBUTES, new double[0], edges, (key, e) -> e.requests.snapshot(key)),
        family(EDGE_FAILED, "traces_service_graph_request_failed",
            "Requests between two services where either span has status ERROR", "1",
            Type.LONG_SUM, EDGE_ATTRIBUTES, new double[0], edges,
            (key, e) -> e.failed.snapshot(key)),
        family(EDGE_SERVER, "traces_service_graph_request_server_seconds",
            "Duration of the server side (SERVER/CONSUMER span) of a request between two"
                + " services", "s", Type.HISTOGRAM, EDGE_ATTRIBUTES, secondBounds, edges,
            (key, e) -> e.server.snapshot(key)),
        family(EDGE_CLIENT, "traces_service_graph_request_client_seconds",
            "Duration of the client side (CLIENT/PRODUCER span) of a request between two"
                + " services", "s", Type.HISTOGRAM, EDGE_ATTRIBUTES, secondBounds, edges,
            (key, e) -> e.client.snapshot(key)),
        family(TRACE_DURATION, "tailstream_trace_duration_seconds",
            "Duration of every decided trace, by root service, root span name and outcome"
                + " (error when any span has status ERROR)", "s", Type.HISTOGRAM,
            List.of("root.service", "root.name", "outcome"), secondBounds, traceDurations,
            (key, h) -> h.snapshot(key)),
        family(TRACE_COUNT, "tailstream_trace_count",
            "Traces decided, kept or dropped, by root service", "1", Type.LONG_SUM,
            List.of("root.service"), new double[0], tracesByRoot,
            (key, t) -> t.snapshot(key)),
        family(TRACE_KEPT, "tailstream_trace_kept",
            "Traces kept, by root service and root span name", "1", Type.LONG_SUM,
            rootAttributes, new double[0], keptByRoot, (key, t) -> t.snapshot(key)),
        family(TRACE_ADJUSTED, "tailstream_trace_adjusted_count",
            "Sum of 1/p over kept traces, where p is the deciding rule's sample rate: an"
                + " estimate of all traces from the kept ones", "1", Type.DOUBLE_SUM,
            rootAttributes, new double[0], keptByRoot, (key, t) -> t.snapshot(key)));
  }

  private static MetricPoint withoutBuckets(MetricPoint p) {
    return new MetricPoint(p.key(), p.count(), 0, null, p.exemplars());
  }

  private interface PointReader<S> {
    MetricPoint read(SeriesKey key, S series);
  }

  private static <S> MetricFamily family(String name, String prometheusName, String description,
      String unit, Type type, List<String> attributes, double[] bounds, SeriesTable<S> table, PointReader<S> reader) {
    List<MetricPoint> points = new ArrayList<>(table.size() + 1);
    table.forEach((key, series) -> {
      MetricPoint point = reader.read(key, series);
      if (point.count() > 0 || point.sum() != 0) {
        points.add(point);
      }
    });
    return new MetricFamily(name, prometheusName, description, unit, type, attributes, bounds,
        points);
  }

  /**
   * The span's service, as the collector's connectors name it: {@value #UNKNOWN_SERVICE} when
   * {@code service.name} is absent or empty.
   */
  static String serviceName(SpanView span) {
    String name = span.service();
    return name.isEmpty() ? UNKNOWN_SERVICE : name;
  }

  static String kindName(Span.SpanKind kind) {
    return kind == Span.SpanKind.UNRECOGNIZED ? "SPAN_KIND_UNSPECIFIED" : kind.name();
  }

  static String statusName(Status.StatusCode code) {
    return code == Status.StatusCode.UNRECOGNIZED ? "STATUS_CODE_UNSET" : code.name();
  }

}
