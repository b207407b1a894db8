package io.tailstream.bench.endtoend;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Watches this JVM's memory during one run: the heap in use, sampled every 20 ms; the heap left
 * after each garbage collection, from GC notifications (the live set, which does not depend on
 * how lazily the collector runs); and the resident set size from {@code /proc/self/status}. The
 * peak RSS ({@code VmHWM}) is reset at {@link #start} through {@code /proc/self/clear_refs} where
 * the kernel allows it, so that each run reports its own peak.
 *
 * <p>Everything in the process counts: the embedded broker shares the JVM with the application
 * under test.
 */
final class MemoryProbe implements AutoCloseable {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  /**
   * What a run used. Sizes in bytes; -1 when unknown, and {@code heapMaxAfterGc} is -1 when no
   * collection ran. {@code rssPeakIsRun} is false when the peak could not be reset, so that
   * {@code rssPeak} is the whole process's.
   */
  record Usage(long heapPeak, long heapMaxAfterGc, long rssPeak, long rssEnd, boolean rssPeakIsRun) {}

  private final Set<String> heapPools = new HashSet<>();
  private final AtomicLong heapPeak = new AtomicLong();
  private final AtomicLong heapMaxAfterGc = new AtomicLong(-1);
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private final Thread sampler;
  private final boolean rssReset;

  private MemoryProbe() {
    this.rssReset = resetRssPeak();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter) {
        NotificationEmitter emitter = (NotificationEmitter) gc;
        NotificationListener listener = this::onGc;
        emitter.addNotificationListener(listener, null, null);
        unsubscribe.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (ListenerNotFoundException e) {
            // already gone
          }
        });
      }
    }
    this.sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        heapPeak.accumulateAndGet(heapUsed(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-memory-probe");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts watching. */
  static MemoryProbe start() {
    return new MemoryProbe();
  }

  private void onGc(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long after = 0;
    for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc()
        .entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        after += pool.getValue().getUsed();
      }
    }
    heapMaxAfterGc.accumulateAndGet(after, Math::max);
  }

  /** Stops watching and returns what the run used. */
  Usage stop() {
    close();
    heapPeak.accumulateAndGet(heapUsed(), Math::max);
    return new Usage(heapPeak.get(), heapMaxAfterGc.get(), statusBytes("VmHWM"),
        statusBytes("VmRSS"), rssReset);
  }

  @Override
  public void close() {
    sampler.interrupt();
    unsubscribe.forEach(Runnable::run);
    unsubscribe.clear();
  }

  /** Heap in use now, in bytes. */
  static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Collects garbage until the heap in use stops shrinking (at most five times) and returns it,
   * in bytes.
   */
  static long heapAfterFullGc() throws InterruptedException {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      long used = heapUsed();
      if (used >= best * 0.99) {
        return Math.min(best, used);
      }
      best = Math.min(best, used);
    }
    return best;
  }

  /** Current resident set size in bytes, or -1 off Linux. */
  static long rss() {
    return statusBytes("VmRSS");
  }

  private static boolean resetRssPeak() {
    try {
      // "5" resets the peak RSS (VmHWM) to the current RSS (Linux 4.0 and later).
      Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static long statusBytes(String field) {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith(field + ":")) {
          String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024; // the unit is kB
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
