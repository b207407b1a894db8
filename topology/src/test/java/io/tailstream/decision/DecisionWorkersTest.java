package io.tailstream.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decision pipeline's contract: results are emitted on the calling thread in the order the
 * inputs were added, whichever thread ran the work; the inputs held and the chunks in flight stay
 * within their bounds; a failure of the work surfaces on the caller as it was thrown.
 */
class DecisionWorkersTest {
  private static final String HELPER_PREFIX = "tailstream-decision-";

  private final List<DecisionWorkers> opened = new ArrayList<>();

  private DecisionWorkers workers(int threads) {
    DecisionWorkers w = threads == 0 ? DecisionWorkers.inline() : DecisionWorkers.of(threads);
    opened.add(w);
    return w;
  }

  @AfterEach
  void closeWorkers() {
    opened.forEach(DecisionWorkers::close);
  }

  /** What the work makes of an input; a result that can be told apart from its input. */
  private static String result(int input) {
    return "r" + input;
  }

  /** An emitted (input, result) pair and the thread it was emitted on. */
  private record Emitted(int input, String result, Thread thread) {}

  /** An inline pipeline with chunks of {@code chunkSize} that records where it worked and emitted. */
  private DecisionWorkers.Pipeline<Integer, String> recordingInline(List<Thread> workThreads,
      List<Emitted> emitted, int chunkSize) {
    return workers(0).pipeline(
        i -> {
          workThreads.add(Thread.currentThread());
          return result(i);
        },
        (i, r) -> emitted.add(new Emitted(i, r, Thread.currentThread())),
        chunkSize, 2, i -> 1, 1_000);
  }

  @Test
  void threadsAreCountedAndNegativeIsRejected() {
    assertThat(DecisionWorkers.inline().threads()).isZero();
    assertThat(DecisionWorkers.of(0).threads()).isZero();
    assertThat(workers(3).threads()).isEqualTo(3);
    assertThatThrownBy(() -> DecisionWorkers.of(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void inlineRunsTheWorkOnTheCallerAndEmitsNothingBeforeAFullChunkOrAFlush() {
    Thread caller = Thread.currentThread();
    List<Thread> workThreads = new ArrayList<>();
    List<Emitted> emitted = new ArrayList<>();
    DecisionWorkers.Pipeline<Integer, String> pipeline =
        recordingInline(workThreads, emitted, 4);

    pipeline.add(0);
    pipeline.add(1);
    pipeline.add(2);
    assertThat(emitted).as("fewer inputs than a chunk, not flushed").isEmpty();

    pipeline.flush();
    assertThat(emitted).extracting(Emitted::input).containsExactly(0, 1, 2);
    assertThat(emitted).extracting(Emitted::result).containsExactly("r0", "r1", "r2");
    assertThat(emitted).extracting(Emitted::thread).containsOnly(caller);
    assertThat(workThreads).hasSize(3).containsOnly(caller);

    pipeline.flush(); // nothing left: emits nothing again
    assertThat(emitted).hasSize(3);
  }

  @Test
  void inlineEmitsEveryInputInOrderAcrossManyChunks() {
    Thread caller = Thread.currentThread();
    List<Thread> workThreads = new ArrayList<>();
    List<Emitted> emitted = new ArrayList<>();
    DecisionWorkers.Pipeline<Integer, String> pipeline =
        recordingInline(workThreads, emitted, 3);

    for (int i = 0; i < 100; i++) {
      pipeline.add(i);
    }
    pipeline.flush();

    assertThat(emitted).extracting(Emitted::input)
        .containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
    assertThat(emitted).allSatisfy(e -> {
      assertThat(e.result()).isEqualTo(result(e.input()));
      assertThat(e.thread()).isSameAs(caller);
    });
    assertThat(workThreads).hasSize(100).containsOnly(caller);
  }

  /**
   * Without helpers everything runs on the stream thread, in order (see the class comment). The
   * order matters to stateful rules: a {@code limit} bucket gives its tokens to the traces it
   * evaluates first.
   */
  @Test
  void inlineRunsTheWorkInTheOrderTheInputsWereAdded() {
    List<Integer> workOrder = new ArrayList<>();
    DecisionWorkers.Pipeline<Integer, String> pipeline = workers(0).pipeline(
        i -> {
          workOrder.add(i);
          return result(i);
        },
        (i, r) -> { },
        2, 2, i -> 1, 1_000);

    for (int i = 0; i < 20; i++) {
      pipeline.add(i);
    }
    pipeline.flush();

    assertThat(workOrder).containsExactlyElementsOf(IntStream.range(0, 20).boxed().toList());
  }

  @Test
  void helpersRunSomeOfTheWorkButResultsAreEmittedInAddOrderOnTheCaller() {
    Thread caller = Thread.currentThread();
    int n = 1_000;
    Set<String> workThreadNames = ConcurrentHashMap.newKeySet();
    AtomicIntegerArray runs = new AtomicIntegerArray(n);
    // Random but fixed per input: work of uneven length finishes out of order on two helpers.
    long[] workNanos = new Random(7).longs(n, 0, 200_000).toArray();
    List<Emitted> emitted = new ArrayList<>();
    DecisionWorkers.Pipeline<Integer, String> pipeline = workers(2).pipeline(
        i -> {
          workThreadNames.add(Thread.currentThread().getName());
          runs.incrementAndGet(i);
          spin(workNanos[i]);
          return result(i);
        },
        (i, r) -> emitted.add(new Emitted(i, r, Thread.currentThread())),
        8, 4, i -> 1, 1_000_000);

    for (int i = 0; i < n; i++) {
      pipeline.add(i);
    }
    pipeline.flush();

    assertThat(emitted).extracting(Emitted::input)
        .containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    assertThat(emitted).allSatisfy(e -> {
      assertThat(e.result()).isEqualTo(result(e.input()));
      assertThat(e.thread()).isSameAs(caller);
    });
    for (int i = 0; i < n; i++) {
      assertThat(runs.get(i)).as("runs of input %d", i).isEqualTo(1);
    }
    assertThat(workThreadNames).as("threads that ran work")
        .anyMatch(name -> name.startsWith(HELPER_PREFIX));
    assertThat(workThreadNames).allMatch(
        name -> name.equals(caller.getName()) || name.startsWith(HELPER_PREFIX));
  }

  @Test
  void inputsNotYetEmittedNeverWeighMoreThanTheBoundInline() {
    checkWeightBound(0);
  }

  @Test
  void inputsNotYetEmittedNeverWeighMoreThanTheBoundWithHelpers() {
    checkWeightBound(2);
  }

  /**
   * Adds inputs of random weight, some heavier than the bound, and checks after every add that
   * what was added but not yet emitted weighs no more than the bound, or is one heavy input alone.
   */
  private void checkWeightBound(int threads) {
    long maxWeight = 100;
    int n = 2_000;
    Random random = new Random(11);
    long[] weights = new long[n];
    for (int i = 0; i < n; i++) {
      weights[i] = random.nextInt(50) == 0 ? 100 + random.nextInt(100) : 1 + random.nextInt(40);
    }
    long[] pendingWeight = {0};
    int[] pendingCount = {0};
    long[] maxSeen = {0};
    List<Integer> emitted = new ArrayList<>();
    DecisionWorkers.Pipeline<Integer, String> pipeline = workers(threads).pipeline(
        DecisionWorkersTest::result,
        (i, r) -> {
          emitted.add(i);
          pendingWeight[0] -= weights[i];
          pendingCount[0]--;
        },
        8, 4, i -> weights[i], maxWeight);

    for (int i = 0; i < n; i++) {
      pendingWeight[0] += weights[i];
      pendingCount[0]++;
      pipeline.add(i);
      if (pendingWeight[0] > maxWeight) {
        assertThat(pendingCount[0])
            .as("inputs held after adding %d (weight %d), holding weight %d",
                i, weights[i], pendingWeight[0])
            .isEqualTo(1);
        assertThat(weights[i]).isGreaterThan(maxWeight);
      }
      maxSeen[0] = Math.max(maxSeen[0], pendingCount[0] == 1 ? 0 : pendingWeight[0]);
    }
    pipeline.flush();

    assertThat(pendingCount[0]).isZero();
    assertThat(pendingWeight[0]).isZero();
    assertThat(emitted).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    // The bound is used, not just respected by emitting everything at once.
    assertThat(maxSeen[0]).isGreaterThan(maxWeight / 2);
  }

  /**
   * Inline, nothing runs until a result is needed, so the inputs held show the chunks in flight:
   * at most {@code maxChunks} full chunks and one filling.
   */
  @Test
  void inlineHoldsNoMoreThanMaxChunksFullChunksPlusOneFilling() {
    int chunkSize = 3;
    int maxChunks = 4;
    int[] pending = {0};
    int maxPending = 0;
    DecisionWorkers.Pipeline<Integer, String> pipeline = workers(0).pipeline(
        DecisionWorkersTest::result, (i, r) -> pending[0]--,
        chunkSize, maxChunks, i -> 1, Long.MAX_VALUE);

    for (int i = 0; i < 200; i++) {
      pending[0]++;
      pipeline.add(i);
      maxPending = Math.max(maxPending, pending[0]);
      assertThat(pending[0]).as("inputs held after adding %d", i)
          .isLessThanOrEqualTo(maxChunks * chunkSize + chunkSize - 1);
    }
    pipeline.flush();
    assertThat(pending[0]).isZero();
    assertThat(maxPending).isEqualTo(maxChunks * chunkSize + chunkSize - 1);
  }

  /**
   * With helpers, an input whose work has started belongs to a chunk in flight: no more than
   * {@code maxChunks * chunkSize} of them are started and not yet emitted.
   */
  @Test
  void helpersNeverHaveMoreThanMaxChunksInFlight() {
    int chunkSize = 4;
    int maxChunks = 3;
    AtomicInteger started = new AtomicInteger();
    AtomicInteger emittedCount = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    long[] workNanos = new Random(3).longs(600, 0, 100_000).toArray();
    DecisionWorkers.Pipeline<Integer, String> pipeline = workers(4).pipeline(
        i -> {
          // Never more than the true count: emitted only grows between the two reads.
          int inFlight = started.incrementAndGet() - emittedCount.get();
          maxInFlight.accumulateAndGet(inFlight, Math::max);
          spin(workNanos[i]);
          return result(i);
        },
        (i, r) -> emittedCount.incrementAndGet(),
        chunkSize, maxChunks, i -> 1, Long.MAX_VALUE);

    for (int i = 0; i < 600; i++) {
      pipeline.add(i);
      assertThat(started.get() - emittedCount.get()).isLessThanOrEqualTo(maxChunks * chunkSize);
    }
    pipeline.flush();

    assertThat(emittedCount.get()).isEqualTo(600);
    assertThat(maxInFlight.get()).isBetween(1, maxChunks * chunkSize);
  }

  @Test
  void aRuntimeExceptionOfTheWorkIsRethrownUnwrappedInline() {
    checkFailureIsRethrown(0, () -> new IllegalStateException("boom at 37"));
  }

  @Test
  void aRuntimeExceptionOfTheWorkIsRethrownUnwrappedFromAHelper() {
    checkFailureIsRethrown(2, () -> new IllegalStateException("boom at 37"));
  }

  @Test
  void anErrorOfTheWorkIsRethrownUnwrappedFromAHelper() {
    checkFailureIsRethrown(2, () -> new StackOverflowError("deep at 37"));
  }

  @Test
  void anErrorOfTheWorkIsRethrownUnwrappedInline() {
    checkFailureIsRethrown(0, () -> new Error("fatal at 37"));
  }

  private void checkFailureIsRethrown(int threads,
      Supplier<? extends Throwable> failure) {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    List<Integer> emitted = new ArrayList<>();
    Function<Integer, String> work = i -> {
      if (i == 37) {
        Throwable t = failure.get();
        thrown.set(t);
        sneakyThrow(t);
      }
      return result(i);
    };
    DecisionWorkers.Pipeline<Integer, String> pipeline = workers(threads).pipeline(
        work, (i, r) -> emitted.add(i), 8, 4, i -> 1, 1_000);

    assertThatThrownBy(() -> {
      for (int i = 0; i < 100; i++) {
        pipeline.add(i);
      }
      pipeline.flush();
    }).satisfies(t -> {
      assertThat(thrown.get()).as("the work failed").isNotNull();
      assertThat(t).isSameAs(thrown.get());
    });

    // Before the failure surfaced, every other input added so far was emitted, in order: the
    // failed one is the only one left out.
    int last = emitted.get(emitted.size() - 1);
    assertThat(last).isGreaterThan(37);
    assertThat(emitted).containsExactlyElementsOf(
        IntStream.rangeClosed(0, last).filter(i -> i != 37).boxed().toList());
  }

  /**
   * Kafka Streams keeps a processor, and so its pipeline, after a decision fails: {@code
   * StreamsSettings} sets {@code LogAndContinueProcessingExceptionHandler}, which also handles
   * punctuations. The pipeline must go on deciding what is added next.
   */
  @Test
  void thePipelineGoesOnAfterAFailedInput() {
    List<Integer> emitted = new ArrayList<>();
    DecisionWorkers w = workers(1);
    DecisionWorkers.Pipeline<Integer, String> pipeline = w.pipeline(
        i -> {
          if (i == 0) {
            throw new IllegalStateException("bad trace");
          }
          return result(i);
        },
        (i, r) -> emitted.add(i), 8, 4, i -> i == 0 ? 150 : 1, 100);

    assertThatThrownBy(() -> {
      pipeline.add(0); // heavier than the bound, taken alone
      pipeline.flush();
    }).isExactlyInstanceOf(IllegalStateException.class).hasMessage("bad trace");

    try {
      assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
        for (int i = 1; i <= 20; i++) {
          pipeline.add(i);
        }
        pipeline.flush();
      }, "adding after a failure never returned");
    } finally {
      // Should the add spin forever, the executor rejecting its next chunk ends it.
      w.close();
    }
    assertThat(emitted).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).boxed().toList());
  }

  @Test
  void closeStopsTheHelperThreads() throws Exception {
    Set<Thread> helpers = ConcurrentHashMap.newKeySet();
    DecisionWorkers w = workers(2);
    DecisionWorkers.Pipeline<Integer, String> pipeline = w.pipeline(
        i -> {
          if (Thread.currentThread().getName().startsWith(HELPER_PREFIX)) {
            helpers.add(Thread.currentThread());
          }
          spin(200_000);
          return result(i);
        },
        (i, r) -> { }, 1, 4, i -> 1, 1_000);
    for (int i = 0; i < 40; i++) {
      pipeline.add(i);
    }
    pipeline.flush();
    assertThat(helpers).isNotEmpty().allMatch(Thread::isAlive);

    w.close();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    for (Thread t : helpers) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    assertThat(helpers).noneMatch(Thread::isAlive);
  }

  @Test
  void closingInlineWorkersIsHarmless() {
    DecisionWorkers w = DecisionWorkers.inline();
    w.close();
    List<Integer> emitted = new ArrayList<>();
    DecisionWorkers.Pipeline<Integer, String> pipeline =
        w.pipeline(DecisionWorkersTest::result, (i, r) -> emitted.add(i), 2, 2, i -> 1, 100);
    pipeline.add(1);
    pipeline.flush();
    assertThat(emitted).containsExactly(1);
  }

  private static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }
}
