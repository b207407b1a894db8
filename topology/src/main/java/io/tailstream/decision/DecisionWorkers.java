package io.tailstream.decision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Helper threads ({@code decision.threads}) that evaluate trace decisions while a stream thread
 * goes on reading the next due traces out of its stores. Shared by all stream threads of the
 * process.
 *
 * <p>A stream thread adds each decision to its {@link #pipeline pipeline} and flushes the
 * pipeline before its punctuation returns, so every decision is emitted, in order, before Kafka
 * Streams commits. Work that no helper has started when its result is needed runs on the stream
 * thread: with no helpers ({@link #inline()}) everything runs there, in order.
 */
public final class DecisionWorkers implements AutoCloseable {
  private final ExecutorService pool;
  private final int threads;

  private DecisionWorkers(int threads) {
    this.threads = threads;
    if (threads == 0) {
      this.pool = null;
      return;
    }
    AtomicInteger counter = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), task -> {
          Thread t = new Thread(task, "tailstream-decision-" + counter.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** No helper threads: every decision runs on the stream thread that awaits it. */
  public static DecisionWorkers inline() {
    return new DecisionWorkers(0);
  }

  /** {@code threads} helper threads; 0 for {@link #inline()}. */
  public static DecisionWorkers of(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("decision threads must be at least 0, was " + threads);
    }
    return new DecisionWorkers(threads);
  }

  public int threads() {
    return threads;
  }

  /**
   * An ordered pipeline for one stream thread: inputs are {@link Pipeline#add added} one by one,
   * evaluated by {@code work} in chunks on the helpers, and handed to {@code emit} in the order
   * they were added, on the stream thread. A chunk no helper has started when its turn comes runs
   * on the stream thread, so without helpers the work runs in order; while the oldest chunk is
   * still running on a helper, the stream thread runs later chunks itself instead of waiting. An
   * input whose work fails is left out; the others are still emitted, then the failure is thrown.
   *
   * @param chunkSize inputs per chunk handed to a helper
   * @param maxChunks chunks in flight; adding past it emits the oldest first
   * @param weight the memory an input holds until it is emitted
   * @param maxWeight the memory all inputs not yet emitted may hold; adding past it emits the
   *     oldest first (one input heavier than this is still taken, alone)
   */
  public <I, R> Pipeline<I, R> pipeline(Function<I, R> work, BiConsumer<I, R> emit,
      int chunkSize, int maxChunks, ToLongFunction<I> weight, long maxWeight) {
    return new Pipeline<>(work, emit, chunkSize, maxChunks, weight, maxWeight);
  }

  /** See {@link #pipeline}. Not thread-safe: one per stream thread (per task). */
  public final class Pipeline<I, R> {
    private final Function<I, R> work;
    private final BiConsumer<I, R> emit;
    private final int chunkSize;
    private final int maxChunks;
    private final ToLongFunction<I> weight;
    private final long maxWeight;
    private final ArrayDeque<Chunk> inFlight = new ArrayDeque<>();
    private List<I> filling = new ArrayList<>();
    private long fillingWeight;
    private long totalWeight;
    /** The first failed work not thrown yet. */
    private Throwable failure;

    private Pipeline(Function<I, R> work, BiConsumer<I, R> emit, int chunkSize, int maxChunks,
        ToLongFunction<I> weight, long maxWeight) {
      this.work = work;
      this.emit = emit;
      this.chunkSize = chunkSize;
      this.maxChunks = maxChunks;
      this.weight = weight;
      this.maxWeight = maxWeight;
    }

    /**
     * Adds an input; may emit earlier ones first, to stay within the bounds. If the work of an
     * input failed, every other input added so far is emitted first and then the failure is
     * thrown; the failed input is the only one not emitted.
     */
    public void add(I input) {
      long w = weight.applyAsLong(input);
      while (totalWeight + w > maxWeight && totalWeight > 0) {
        if (inFlight.isEmpty()) {
          submitFilling();
        }
        emitOldest();
      }
      filling.add(input);
      fillingWeight += w;
      totalWeight += w;
      if (filling.size() >= chunkSize || fillingWeight * maxChunks >= maxWeight) {
        submitFilling();
      }
      if (failure != null) {
        flush();
      }
    }

    /**
     * Emits every input added so far, in order; then throws the first failure of their work, if
     * any (the failed inputs are the only ones not emitted).
     */
    public void flush() {
      if (!filling.isEmpty()) {
        submitFilling();
      }
      while (!inFlight.isEmpty()) {
        emitOldest();
      }
      Throwable failed = failure;
      if (failed != null) {
        failure = null;
        if (failed instanceof Error e) {
          throw e;
        }
        throw (RuntimeException) failed;
      }
    }

    private void submitFilling() {
      while (inFlight.size() >= maxChunks) {
        emitOldest();
      }
      Chunk chunk = new Chunk(filling, fillingWeight);
      filling = new ArrayList<>(chunkSize);
      fillingWeight = 0;
      inFlight.add(chunk);
      if (pool != null) {
        try {
          pool.execute(chunk.task);
        } catch (RejectedExecutionException e) {
          // Closed while Kafka Streams still runs (a close that timed out): run it here.
        }
      }
    }

    private void emitOldest() {
      Chunk oldest = inFlight.poll();
      oldest.task.run(); // here, in order, unless a helper has started it
      // Help rather than wait: run later chunks that no helper has started.
      for (Chunk later : inFlight) {
        if (oldest.task.isDone()) {
          break;
        }
        later.task.run(); // does nothing if a helper has started or finished it
      }
      Object[] results;
      try {
        results = await(oldest.task);
      } finally {
        totalWeight -= oldest.weight;
      }
      for (int i = 0; i < results.length; i++) {
        if (results[i] instanceof Failed f) {
          if (failure == null) {
            failure = f.error();
          } else {
            failure.addSuppressed(f.error());
          }
          continue;
        }
        @SuppressWarnings("unchecked")
        R result = (R) results[i];
        emit.accept(oldest.inputs.get(i), result);
      }
    }

    private final class Chunk {
      final List<I> inputs;
      final long weight;
      /** One result per input, or {@link Failed} where its work threw. */
      final FutureTask<Object[]> task;

      Chunk(List<I> inputs, long weight) {
        this.inputs = inputs;
        this.weight = weight;
        this.task = new FutureTask<>(() -> {
          Object[] out = new Object[inputs.size()];
          for (int i = 0; i < out.length; i++) {
            try {
              out[i] = work.apply(inputs.get(i));
            } catch (RuntimeException | Error e) {
              out[i] = new Failed(e);
            }
          }
          return out;
        });
      }
    }
  }

  /** The work of one input threw. */
  private record Failed(Throwable error) {}

  /**
   * The result of a task: runs it here if no helper has started it, else waits for it. An
   * exception thrown by the task is rethrown here, on the stream thread, unwrapped.
   */
  private static <T> T await(FutureTask<T> task) {
    task.run(); // does nothing if a helper has started or finished it
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
