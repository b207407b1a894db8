package io.tailstream.bench.workload;

import io.tailstream.bench.workload.SyntheticTrace.EmittedSpan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Replays generated traces the way instrumented services export them, on a virtual clock: traces
 * start at a steady rate, each span is exported when it ends (children before their parents, the
 * root usually last), and every {@link #TICK} the spans exported since the last tick form one
 * batch, as a Collector's batch processor would send them on. One trace's spans therefore spread
 * over consecutive batches, interleaved with other traces.
 *
 * <p>The clock is virtual: batches come as fast as the caller asks for them. To keep a trace's
 * spans close together when a benchmark reads the batches faster than real time, the export
 * spread of a trace is compressed to at most {@link #MAX_EXPORT_SPREAD} (span timestamps are not
 * changed). Span start times begin at {@link #EPOCH}, so a seed always gives the same bytes.
 */
public final class ExportSchedule implements Iterator<List<EmittedSpan>> {
  /** Virtual time between two batches. */
  public static final Duration TICK = Duration.ofMillis(100);
  /** Longest virtual time between the first and the last export of one trace. */
  public static final Duration MAX_EXPORT_SPREAD = Duration.ofMillis(300);
  /** Virtual trace starts per second: about 53,000 spans per virtual second. */
  public static final double TRACES_PER_SECOND = 1_000;
  /** The span timestamps of the first trace. */
  public static final Instant EPOCH = Instant.parse("2026-01-05T09:00:00Z");

  private record Pending(long dueNanos, long seq, EmittedSpan span) {}

  private final TraceGenerator generator;
  private final long spanTarget;
  private final PriorityQueue<Pending> queue = new PriorityQueue<>((a, b) -> a.dueNanos != b.dueNanos
      ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.seq, b.seq));
  private final Map<TraceClass, Long> tracesByClass = new EnumMap<>(TraceClass.class);
  private final long epochNanos = EPOCH.getEpochSecond() * 1_000_000_000L;
  private final long interval = (long) (1e9 / TRACES_PER_SECOND);
  private long nextTraceStart;
  private long tickEnd;
  private long seq;
  private long traces;
  private long spans;
  private long rootlessTraces;
  private List<EmittedSpan> next;

  /**
   * @param generator where traces come from
   * @param spanTarget traces start until at least this many spans have been generated; the last
   *     trace is always whole, so the total may be a little higher
   */
  public ExportSchedule(TraceGenerator generator, long spanTarget) {
    this.generator = generator;
    this.spanTarget = spanTarget;
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public List<EmittedSpan> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    List<EmittedSpan> batch = next;
    next = null;
    return batch;
  }

  private List<EmittedSpan> advance() {
    while (spans < spanTarget || !queue.isEmpty()) {
      tickEnd += TICK.toNanos();
      while (spans < spanTarget && nextTraceStart < tickEnd) {
        schedule(generator.next(epochNanos + nextTraceStart), nextTraceStart);
        nextTraceStart += interval;
      }
      List<EmittedSpan> batch = new ArrayList<>();
      while (!queue.isEmpty() && queue.peek().dueNanos < tickEnd) {
        batch.add(queue.poll().span);
      }
      if (!batch.isEmpty()) {
        return batch;
      }
    }
    return null;
  }

  private void schedule(SyntheticTrace trace, long startedAt) {
    traces++;
    spans += trace.spanCount();
    tracesByClass.merge(trace.traceClass(), 1L, Long::sum);
    if (!trace.hasRoot()) {
      rootlessTraces++;
    }
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (EmittedSpan s : trace.spans()) {
      first = Math.min(first, s.span().getStartTimeUnixNano());
      last = Math.max(last, s.span().getEndTimeUnixNano());
    }
    double squeeze = Math.min(1.0, MAX_EXPORT_SPREAD.toNanos() / (double) Math.max(1, last - first));
    for (EmittedSpan s : trace.spans()) {
      long offset = (long) ((s.span().getEndTimeUnixNano() - first) * squeeze);
      queue.add(new Pending(startedAt + offset, seq++, s));
    }
  }

  /** Traces generated so far. */
  public long traces() {
    return traces;
  }

  /** Spans generated so far. */
  public long spans() {
    return spans;
  }

  /** Traces without a root span generated so far. */
  public long rootlessTraces() {
    return rootlessTraces;
  }

  /** Traces generated so far, by class. */
  public Map<TraceClass, Long> tracesByClass() {
    return new EnumMap<>(tracesByClass);
  }
}
