package io.tailstream.bench.endtoend;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
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
 * Watches this JVM during one run. CPU: the time of the process and of its JIT compiler threads
 * from {@link #markStart} on, to show how busy the machine was and how much of it the compiler
 * took. Memory: the heap in use, sampled every 20 ms; the heap left
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
  private static final Path TASKS = Path.of("/proc/self/task");

  /**
   * What a run used. Sizes in bytes; -1 when unknown, and {@code heapMaxAfterGc} is -1 when no
   * collection ran. {@code rssPeakIsRun} is false when the peak could not be reset, so that
   * {@code rssPeak} is the whole process's. {@code cpuCores} and {@code jitCores} are the
   * process's CPU time and its JIT compiler threads' CPU time from {@link #markStart} to {@link
   * #stop}, divided by that time: 1.0 is one core busy; -1 when the JVM does not tell.
   */
  record Usage(long heapPeak, long heapMaxAfterGc, long rssPeak, long rssEnd, boolean rssPeakIsRun,
      double cpuCores, double jitCores) {}

  private final Set<String> heapPools = new HashSet<>();
  private final AtomicLong heapPeak = new AtomicLong();
  private final AtomicLong heapMaxAfterGc = new AtomicLong(-1);
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private final Thread sampler;
  private final boolean rssReset;
  private volatile long markNanos;
  private volatile long markCpuNanos;
  private volatile long markJitMillis;

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
    markStart();
  }

  /** Starts the CPU and JIT accounting now: call it when the measured part of a run begins. */
  void markStart() {
    markCpuNanos = processCpuNanos();
    markJitMillis = jitMillis();
    markNanos = System.nanoTime();
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
    double elapsedNanos = Math.max(1, System.nanoTime() - markNanos);
    long cpu = processCpuNanos();
    long jit = jitMillis();
    return new Usage(heapPeak.get(), heapMaxAfterGc.get(), statusBytes("VmHWM"),
        statusBytes("VmRSS"), rssReset,
        cpu < 0 ? -1 : (cpu - markCpuNanos) / elapsedNanos,
        jit < 0 ? -1 : (jit - markJitMillis) * 1e6 / elapsedNanos);
  }

  /** CPU time of the whole process in nanoseconds, or -1 if the JVM does not tell. */
  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * CPU time of the JIT compiler threads in milliseconds, from {@code
   * /proc/self/task/<tid>/stat} (the compiler threads are hidden from Java's thread list), or -1
   * off Linux. Ticks are taken as 10 ms, the {@code USER_HZ} of Linux on x86 and arm64. A
   * compiler thread that the JVM stops between two readings takes its time with it.
   */
  private static long jitMillis() {
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
          continue; // the thread ended
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String name = stat.substring(open + 1, close);
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
          // Fields after the name: state is the 1st, utime the 12th, stime the 13th.
          String[] fields = stat.substring(close + 2).split(" ");
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return ticks * 10;
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
