package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Continuous load for the fault tests: sends one batch per period on its own thread, so that
 * faults happen while traffic flows.
 */
final class BackgroundLoad {
  private final Thread thread;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  private <T> BackgroundLoad(List<T> batches, Consumer<T> send, Duration period) {
    this.thread = new Thread(() -> {
      try {
        for (T batch : batches) {
          send.accept(batch);
          Thread.sleep(period.toMillis());
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "background-load");
  }

  /** Starts sending {@code batches}, one every {@code period}. */
  static <T> BackgroundLoad start(List<T> batches, Consumer<T> send, Duration period) {
    BackgroundLoad load = new BackgroundLoad(batches, send, period);
    load.thread.start();
    return load;
  }

  /** Waits until every batch is sent, failing the test if sending failed. */
  void join() throws InterruptedException {
    thread.join();
    assertThat(failure.get()).as("sending the load").isNull();
  }
}
