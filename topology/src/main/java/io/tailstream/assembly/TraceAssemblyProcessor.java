package io.tailstream.assembly;

import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.BudgetShare;
import io.tailstream.decision.CachedDecision;
import io.tailstream.decision.DecisionCache;
import io.tailstream.decision.DecisionWorkers;
import io.tailstream.decision.TraceDecider;
import io.tailstream.emit.Emitted;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.CompletionReason;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import io.tailstream.serdes.otlp.TraceIds;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Buffers each trace's fragments until the trace is complete, then decides it.
 *
 * <p>Stores, all changelogged:
 *
 * <ul>
 *   <li>{@value AssemblyStores#FRAGMENTS}: fragments appended under {@code (traceId, seq)}; a
 *       growing value is never rewritten.
 *   <li>{@value AssemblyStores#STATE}: one small {@link TraceBufferState} per trace.
 *   <li>{@value AssemblyStores#DEADLINES}: the time index, {@code (deadline, traceId)}, which the
 *       wall-clock punctuator scans in order.
 *   <li>{@value AssemblyStores#DECISIONS}: the decision cache that late spans follow.
 * </ul>
 *
 * <p>A trace is decided at the earliest of {@code decision.wait} after its last span, {@code
 * decision.root-grace} after its root span, {@code decision.max-trace-age} after its first span,
 * and the moment it exceeds {@code limits.max-spans-per-trace} or {@code limits.max-trace-bytes}
 * (both recorded as {@link CompletionReason#SPAN_LIMIT}, told apart by {@code
 * tailstream.traces.oversized{limit}}). All times are this instance's wall clock, so that idle
 * partitions still decide.
 *
 * <p>A span that arrives after its trace's decision was forgotten ({@code
 * decision.late-span-window}) cannot be told from the first span of a new trace: it starts a new
 * buffer and is decided on its own. When such a trace has no root span and its newest span ended
 * more than the window before it first arrived, its spans are counted as {@code
 * tailstream.spans.late{outcome="late_unknown"}}.
 */
public final class TraceAssemblyProcessor implements Processor<Bytes, byte[], String, Emitted> {
  /** Upper bound of traces decided by one punctuation, so one call never stalls the thread. */
  static final int MAX_DECISIONS_PER_PUNCTUATION = 5_000;
  /** Complete traces handed to a decision helper at once. */
  static final int DECISION_CHUNK = 16;
  /** Chunks in flight. */
  static final int MAX_DECISION_CHUNKS = 4;
  /** Bytes of complete traces held out of the stores at once, waiting for their decision. */
  static final long MAX_DECISION_BYTES = 16L << 20;

  private final long waitMs;
  private final long rootGraceMs;
  private final long maxAgeMs;
  private final int maxSpans;
  private final long maxTraceBytes;
  private final Duration lateSpanWindow;
  private final Duration punctuationInterval;
  private final TraceDecider decider;
  private final SamplerMetrics metrics;
  private final BudgetShare budgetShare;
  private final DecisionWorkers.Pipeline<Complete, TraceDecider.DecidedTrace> pipeline;

  private ProcessorContext<String, Emitted> context;
  private KeyValueStore<Bytes, byte[]> fragments;
  private KeyValueStore<Bytes, byte[]> states;
  private KeyValueStore<Bytes, byte[]> deadlines;
  private DecisionCache decisions;
  /** When this task started here; traces buffered before it get a full wait after it. */
  private long startedAtMs;
  private InputLag inputLag;
  /** Where the next time-index scan starts; entries before it have all been handled. */
  private long scanFromMs;
  private String taskId;

  public TraceAssemblyProcessor(TailstreamConfig config, TraceDecider decider,
      SamplerMetrics metrics, BudgetShare budgetShare, DecisionWorkers workers) {
    this.waitMs = config.decision().idleTimeout().toMillis();
    this.rootGraceMs = config.decision().rootGrace().toMillis();
    this.maxAgeMs = config.decision().maxTraceAge().toMillis();
    this.maxSpans = config.limits().maxSpansPerTrace();
    this.maxTraceBytes = config.limits().maxTraceBytes();
    this.lateSpanWindow = config.decision().lateSpanWindow();
    this.punctuationInterval = punctuationInterval(config.decision());
    this.decider = decider;
    this.metrics = metrics;
    this.budgetShare = budgetShare;
    this.pipeline = workers.pipeline(this::evaluate, this::emit, DECISION_CHUNK,
        MAX_DECISION_CHUNKS, c -> c.tracesData().length, MAX_DECISION_BYTES);
  }

  /** A fifth of the shortest completion timer, between 50 ms and 1 s. */
  public static Duration punctuationInterval(TailstreamConfig.Decision d) {
    long shortest = Math.min(d.idleTimeout().toMillis(), d.rootGrace().toMillis());
    return Duration.ofMillis(Math.max(50, Math.min(1000, shortest / 5)));
  }

  @Override
  public void init(ProcessorContext<String, Emitted> context) {
    this.context = context;
    this.fragments = context.getStateStore(AssemblyStores.FRAGMENTS);
    this.states = context.getStateStore(AssemblyStores.STATE);
    this.deadlines = context.getStateStore(AssemblyStores.DEADLINES);
    WindowStore<Bytes, byte[]> decisionStore = context.getStateStore(AssemblyStores.DECISIONS);
    this.decisions = new DecisionCache(decisionStore, lateSpanWindow);
    this.startedAtMs = context.currentSystemTimeMs();
    this.inputLag = new InputLag(waitMs, maxAgeMs);
    this.taskId = context.taskId().toString();
    context.schedule(punctuationInterval, PunctuationType.WALL_CLOCK_TIME, this::decideDue);
    budgetShare.taskStarted();
    countBuffered();
  }

  /** Counts the traces restored into this task's buffer, for the buffer gauges. */
  private void countBuffered() {
    long traces = 0;
    long bytes = 0;
    try (KeyValueIterator<Bytes, byte[]> it = states.all()) {
      while (it.hasNext()) {
        traces++;
        bytes += TraceBufferState.decode(it.next().value).bytes();
      }
    }
    metrics.buffered(taskId, traces, bytes);
  }

  @Override
  public void close() {
    budgetShare.taskStopped();
    metrics.inputLag(taskId, -1);
    metrics.bufferClosed(taskId);
  }

  @Override
  public void process(Record<Bytes, byte[]> record) {
    long now = context.currentSystemTimeMs();
    inputLag.observe(record.timestamp(), now);
    byte[] traceId = record.key().get();
    BufferedFragment fragment = BufferedFragment.decode(record.value());
    byte[] stateBytes = states.get(record.key());
    TraceBufferState state;
    if (stateBytes == null) {
      Optional<CachedDecision> decided = decisions.find(traceId, now);
      if (decided.isPresent()) {
        followDecision(traceId, fragment, decided.get(), now);
        return;
      }
      state = TraceBufferState.first(now);
    } else {
      state = TraceBufferState.decode(stateBytes);
    }
    fragments.put(StoreKeys.fragment(traceId, state.nextSeq()), record.value());
    TraceBufferState appended = state.append(fragment, now);
    metrics.buffered(taskId, stateBytes == null ? 1 : 0, appended.bytes() - state.bytes());
    boolean tooManySpans = appended.spanCount() > maxSpans;
    if (tooManySpans || appended.bytes() > maxTraceBytes) {
      if (state.deadlineMs() != Long.MAX_VALUE) {
        remove(deadlines, StoreKeys.deadline(state.deadlineMs(), traceId));
      }
      metrics.traceOversized(tooManySpans ? "spans" : "bytes");
      startDecision(traceId, appended, CompletionReason.SPAN_LIMIT, now);
      pipeline.flush();
      return;
    }
    long deadline = deadlineOf(appended, now);
    if (deadline != state.deadlineMs()) {
      if (state.deadlineMs() != Long.MAX_VALUE) {
        remove(deadlines, StoreKeys.deadline(state.deadlineMs(), traceId));
      }
      fileDeadline(deadline, traceId);
    }
    states.put(record.key(), appended.withDeadline(deadline).encode());
  }

  private long deadlineOf(TraceBufferState s, long now) {
    // While the task reads behind its producers, the rest of a trace may still be in another
    // partition's backlog: stretch the idle and root timers by the lag. Max age stays a bound.
    long lag = inputLag.estimateMs(now);
    long deadline = Math.min(s.lastArrivalMs() + waitMs + lag, s.firstArrivalMs() + maxAgeMs);
    if (s.rootSeen()) {
      deadline = Math.min(deadline, s.rootArrivalMs() + rootGraceMs + lag);
    }
    if (s.firstArrivalMs() < startedAtMs) {
      // Downtime is not idle time: after a restart or a task move, the rest of a buffered
      // trace is still in the input backlog. Give it a full wait to arrive.
      deadline = Math.max(deadline, startedAtMs + waitMs);
    }
    return deadline;
  }

  /** Which timer fired first; ties go to root, then idle, then max age. */
  private CompletionReason reasonOf(TraceBufferState s) {
    long idle = s.lastArrivalMs() + waitMs;
    long age = s.firstArrivalMs() + maxAgeMs;
    long root = s.rootSeen() ? s.rootArrivalMs() + rootGraceMs : Long.MAX_VALUE;
    if (root <= idle && root <= age) {
      return CompletionReason.ROOT;
    }
    return idle <= age ? CompletionReason.IDLE : CompletionReason.MAX_AGE;
  }

  /** The wall-clock punctuation: decides every trace whose deadline has passed, up to a bound. */
  void decideDue(long now) {
    metrics.inputLag(taskId, inputLag.estimateMs(now));
    if (scanFromMs > now) {
      return; // the clock went back: nothing filed since the last scan is due yet
    }
    List<Bytes> due = new ArrayList<>();
    boolean more = false;
    // Collect first, then mutate: writing to a store while iterating it is not safe with caching.
    try (KeyValueIterator<Bytes, byte[]> it =
        deadlines.range(StoreKeys.deadline(scanFromMs, new byte[StoreKeys.TRACE_ID_BYTES]),
            StoreKeys.deadlineUpperBound(now))) {
      while (it.hasNext()) {
        if (due.size() == MAX_DECISIONS_PER_PUNCTUATION) {
          more = true;
          break;
        }
        due.add(it.next().key);
      }
    }
    if (more) {
      metrics.punctuationBounded();
    }
    for (Bytes indexKey : due) {
      remove(deadlines, indexKey);
      byte[] traceId = StoreKeys.traceIdOfDeadline(indexKey);
      byte[] stateBytes = states.get(Bytes.wrap(traceId));
      if (stateBytes == null) {
        continue; // decided already, by the span limit
      }
      TraceBufferState state = TraceBufferState.decode(stateBytes);
      if (state.deadlineMs() != StoreKeys.deadlineOf(indexKey)) {
        continue; // stale index entry; the current one is still in the index
      }
      long deadline = deadlineOf(state, now);
      if (deadline > now) {
        // Restored from before this task started, or the task reads behind its producers:
        // wait for the backlog first.
        fileDeadline(deadline, traceId);
        states.put(Bytes.wrap(traceId), state.withDeadline(deadline).encode());
        continue;
      }
      startDecision(traceId, state, reasonOf(state), now);
    }
    pipeline.flush();
    // Every entry up to now is handled, or up to the last one taken when the call was bounded.
    scanFromMs = more ? StoreKeys.deadlineOf(due.get(due.size() - 1)) : now + 1;
  }

  /**
   * Files a trace in the time index. The next scan starts no later than this deadline: scans
   * start where the last one ended instead of at 0, so that they do not wade through the
   * deletions the index has seen since RocksDB last compacted it.
   */
  private void fileDeadline(long deadline, byte[] traceId) {
    deadlines.put(StoreKeys.deadline(deadline, traceId), new byte[0]);
    scanFromMs = Math.min(scanFromMs, deadline);
  }

  /**
   * Takes a complete trace out of the buffer and adds it to the decision pipeline, which decides
   * it on a decision helper thread if there is one; {@code decisions.flush()} emits the outcome.
   */
  private void startDecision(byte[] traceId, TraceBufferState state, CompletionReason reason,
      long now) {
    byte[] all = drainFragments(traceId, state);
    remove(states, Bytes.wrap(traceId));
    metrics.buffered(taskId, -1, -state.bytes());
    pipeline.add(new Complete(traceId, TraceIds.toHex(traceId), state, reason, now, all));
  }

  private TraceDecider.DecidedTrace evaluate(Complete c) {
    return decider.decide(c.hex(), c.tracesData(), c.reason(), c.now());
  }

  private void emit(Complete c, TraceDecider.DecidedTrace decided) {
    TraceBufferState state = c.state();
    long now = c.now();
    decisions.remember(c.traceId(), decided.decision(), now);
    if (decided.keptTrace() != null) {
      context.forward(new Record<>(c.hex(), Emitted.sampled(decided.keptTrace()), now));
    }
    context.forward(new Record<>(c.hex(),
        Emitted.decision(TraceDecisionCodec.encode(decided.record())), now));
    metrics.traceDecided(decided.decision().rule(), decided.decision().kept(),
        c.reason().label(), state.spanCount(), now - state.lastArrivalMs(),
        now - state.firstArrivalMs());
    metrics.ruleDecided(decided.decision().rule(), decided.decision().kept(), state.spanCount());
    if (looksLikeForgottenLateSpans(decided, state)) {
      metrics.lateUnknownSpans(state.spanCount());
    }
  }

  /** A trace taken out of the buffer, with its fragments concatenated, to be decided. */
  private record Complete(byte[] traceId, String hex, TraceBufferState state,
      CompletionReason reason, long now, byte[] tracesData) {}

  /**
   * Whether a trace just decided on its own is probably late spans of a trace whose decision was
   * forgotten: no root (late spans are children; the root ends last and comes with the bulk), and
   * every trustworthy span ended more than the late-span window before the trace first arrived.
   * A whole trace replayed from a backlog older than the window has its root and does not count;
   * a rootless one does, and so does a rootless trace from a host whose clock is that far behind.
   */
  private boolean looksLikeForgottenLateSpans(
      TraceDecider.DecidedTrace decided, TraceBufferState state) {
    long horizonNanos = TimeUnit.MILLISECONDS.toNanos(state.firstArrivalMs())
        - lateSpanWindow.toNanos();
    return !decided.hasRoot() && decided.endUnixNano() > 0
        && decided.endUnixNano() < horizonNanos;
  }

  /** Reads and deletes a trace's fragments, returning their OTLP payloads concatenated. */
  private byte[] drainFragments(byte[] traceId, TraceBufferState state) {
    List<byte[]> parts = new ArrayList<>(state.nextSeq());
    int total = 0;
    for (int seq = 0; seq < state.nextSeq(); seq++) {
      Bytes key = StoreKeys.fragment(traceId, seq);
      byte[] value = fragments.get(key);
      if (value != null) {
        parts.add(value);
        total += value.length - BufferedFragment.HEADER_BYTES;
        remove(fragments, key);
      }
    }
    ByteBuffer out = ByteBuffer.allocate(total);
    for (byte[] part : parts) {
      out.put(part, BufferedFragment.HEADER_BYTES, part.length - BufferedFragment.HEADER_BYTES);
    }
    return out.array();
  }

  /**
   * Deletes {@code key}. A {@code null} put, not {@code delete}: Kafka Streams' {@code delete}
   * reads the old value out of RocksDB to return it, and a fragment is kilobytes.
   */
  private static void remove(KeyValueStore<Bytes, byte[]> store, Bytes key) {
    store.put(key, null);
  }

  private void followDecision(
      byte[] traceId, BufferedFragment fragment, CachedDecision decision, long now) {
    metrics.lateSpans(decision.kept(), fragment.spanCount());
    byte[] payload = new byte[fragment.payloadLength()];
    System.arraycopy(fragment.encoded(), BufferedFragment.HEADER_BYTES, payload, 0,
        payload.length);
    byte[] kept = decider.late(payload, decision);
    if (kept != null) {
      metrics.spansKept(decision.rule(), fragment.spanCount());
      context.forward(new Record<>(TraceIds.toHex(traceId), Emitted.sampled(kept), now));
    }
  }
}
