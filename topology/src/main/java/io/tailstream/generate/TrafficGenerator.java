package io.tailstream.generate;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Generates realistic OTLP trace traffic in real time, the way instrumented services export it:
 * each span is exported when it ends, so children come before their parents; each service sends
 * its own records, so one trace is spread over several records; each record is an {@code
 * ExportTraceServiceRequest} batching the spans of many traces, with no key. A small share of traces has one span
 * exported {@code lateSpanDelay} after the rest, as a late span.
 */
public final class TrafficGenerator {
  /** Export cadence: every tick, the spans that ended are batched into records. */
  static final Duration TICK = Duration.ofMillis(100);
  /** Spans per exported record at most, like an SDK's batch span processor. */
  static final int MAX_SPANS_PER_RECORD = 256;
  /** Share of traces with one late span. */
  static final double LATE_SHARE = 0.005;

  /**
   * What to generate.
   *
   * @param tracesPerSecond trace starts per second
   * @param duration how long to start new traces
   * @param seed random seed, so a run can be repeated
   * @param lateSpanDelay how much later than its trace a late span is exported
   */
  public record Settings(
      double tracesPerSecond, Duration duration, long seed, Duration lateSpanDelay) {
    public Settings {
      if (!(tracesPerSecond > 0)) {
        throw new IllegalArgumentException("traces per second must be positive");
      }
      Objects.requireNonNull(duration, "duration");
      Objects.requireNonNull(lateSpanDelay, "lateSpanDelay");
    }
  }

  /** Where generated records go. */
  public interface RecordSink {
    void send(byte[] exportTraceServiceRequest);
  }

  /** Counts of what was generated so far; safe to read from another thread. */
  public static final class Stats {
    private final AtomicLong traces = new AtomicLong();
    private final AtomicLong spans = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong lateSpans = new AtomicLong();
    private final Map<TraceFactory.TraceClass, AtomicLong> byClass =
        new EnumMap<>(TraceFactory.TraceClass.class);

    Stats() {
      for (TraceFactory.TraceClass c : TraceFactory.TraceClass.values()) {
        byClass.put(c, new AtomicLong());
      }
    }

    public long traces() {
      return traces.get();
    }

    public long spans() {
      return spans.get();
    }

    public long records() {
      return records.get();
    }

    public long lateSpans() {
      return lateSpans.get();
    }

    /** Traces generated per class name: health_check, error, slow, priority, normal. */
    public Map<String, Long> tracesByClass() {
      Map<String, Long> out = new LinkedHashMap<>();
      byClass.forEach((c, n) -> out.put(c.name().toLowerCase(java.util.Locale.ROOT), n.get()));
      return out;
    }
  }

  private record Pending(long dueNanos, String service, Span span, boolean late) {}

  private final Settings settings;
  private final RecordSink sink;
  private final LongSupplier clock;
  private final Pause pause;
  private final Stats stats = new Stats();
  private volatile boolean stopped;

  /** Waits one tick; tests replace it to run faster than real time. */
  interface Pause {
    void tick() throws InterruptedException;
  }

  public TrafficGenerator(Settings settings, RecordSink sink) {
    this(settings, sink, System::nanoTime, () -> TimeUnit.NANOSECONDS.sleep(TICK.toNanos()));
  }

  // Visible for testing
  TrafficGenerator(Settings settings, RecordSink sink, LongSupplier nanoClock, Pause pause) {
    this.settings = settings;
    this.sink = sink;
    this.clock = nanoClock;
    this.pause = pause;
  }

  public Stats stats() {
    return stats;
  }

  /** Asks a running {@link #run()} to stop starting traces; spans already started are sent. */
  public void stop() {
    stopped = true;
  }

  /** Generates traffic until the duration has passed and every span, late ones included, is sent. */
  public void run() throws InterruptedException {
    Random random = new Random(settings.seed());
    TraceFactory factory = new TraceFactory(random);
    PriorityQueue<Pending> queue =
        new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos(), b.dueNanos()));
    long start = clock.getAsLong();
    long end = start + settings.duration().toNanos();
    double interval = 1e9 / settings.tracesPerSecond();
    double nextTrace = start;
    long wallStartNanos = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    while (true) {
      long now = clock.getAsLong();
      while (!stopped && nextTrace <= now && nextTrace < end) {
        long startedAt = (long) nextTrace;
        schedule(factory.next(wallStartNanos + (startedAt - start)), startedAt, random, queue);
        nextTrace += interval;
      }
      flushDue(now, queue);
      boolean generating = !stopped && nextTrace < end;
      if (!generating && queue.isEmpty()) {
        return;
      }
      pause.tick();
    }
  }

  private void schedule(TraceFactory.GeneratedTrace trace, long startedAt, Random random,
      PriorityQueue<Pending> queue) {
    stats.traces.incrementAndGet();
    stats.byClass.get(trace.traceClass()).incrementAndGet();
    long traceStart = trace.spans().stream()
        .mapToLong(s -> s.span().getStartTimeUnixNano()).min().orElse(0);
    int lateIndex = trace.spans().size() > 1 && random.nextDouble() < LATE_SHARE
        ? random.nextInt(trace.spans().size() - 1) : -1;
    for (int i = 0; i < trace.spans().size(); i++) {
      TraceFactory.GeneratedSpan s = trace.spans().get(i);
      long due = startedAt + (s.span().getEndTimeUnixNano() - traceStart);
      boolean late = i == lateIndex;
      if (late) {
        due += settings.lateSpanDelay().toNanos();
      }
      queue.add(new Pending(due, s.service(), s.span(), late));
    }
  }

  private void flushDue(long now, PriorityQueue<Pending> queue) {
    List<Pending> due = new ArrayList<>();
    while (!queue.isEmpty() && queue.peek().dueNanos() <= now) {
      due.add(queue.poll());
      if (due.size() == MAX_SPANS_PER_RECORD) {
        send(due);
        due.clear();
      }
    }
    if (!due.isEmpty()) {
      send(due);
    }
  }

  /** One record per service, as each service's own SDK exporter would send. */
  private void send(List<Pending> spans) {
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    for (Pending p : spans) {
      byService.computeIfAbsent(p.service(), s -> ScopeSpans.newBuilder()
              .setScope(InstrumentationScope.newBuilder()
                  .setName("io.opentelemetry.http").setVersion("2.10.0")))
          .addSpans(p.span());
      if (p.late()) {
        stats.lateSpans.incrementAndGet();
      }
    }
    byService.forEach((service, scope) -> {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
          .addResourceSpans(ResourceSpans.newBuilder()
              .setResource(Resource.newBuilder()
                  .addAttributes(TraceFactory.attribute("service.name", service))
                  .addAttributes(TraceFactory.attribute("service.version", "1.4.2"))
                  .addAttributes(TraceFactory.attribute("deployment.environment.name", "demo"))
                  .addAttributes(TraceFactory.attribute("telemetry.sdk.language", "java")))
              .addScopeSpans(scope))
          .build();
      sink.send(request.toByteArray());
      stats.records.incrementAndGet();
      stats.spans.addAndGet(scope.getSpansCount());
    });
  }
}
