package io.tailstream.cli;

import java.util.function.Supplier;

/**
 * Prints a progress line once a second until interrupted: rewritten in place on a terminal, one
 * line per update otherwise so that logs stay readable.
 */
final class ProgressLine {
  private ProgressLine() {}

  static Thread start(Supplier<String> line) {
    boolean terminal = System.console() != null;
    long started = System.nanoTime();
    Thread t = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(1000);
          String text = String.format("[%3ds] %s", (System.nanoTime() - started) / 1_000_000_000L,
              line.get());
          if (terminal) {
            System.out.print("\r" + text + "   ");
          } else {
            System.out.println(text);
          }
          System.out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "tailstream-progress");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
