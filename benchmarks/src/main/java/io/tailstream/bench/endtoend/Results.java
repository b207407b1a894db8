package io.tailstream.bench.endtoend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What an end-to-end run measured, and its rendering as a Markdown report or JSON. */
final class Results {
  static final double TARGET_RATIO_PARTITIONED = 0.5;
  static final double TARGET_RATIO_REPARTITION = 0.33;
  static final long TARGET_HEAP_BYTES = 256L * 1024 * 1024;
  static final double TARGET_P99_SLACK_MS = 1_000;

  private Results() {}

  /** The machine the run was on. */
  record Machine(String cpu, int cores, long memoryBytes, String java, List<String> jvmArgs,
      long maxHeapBytes) {
    static Machine describe() {
      String cpu = "unknown";
      long memory = -1;
      try {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
          if (line.startsWith("model name")) {
            cpu = line.substring(line.indexOf(':') + 1).trim();
            break;
          }
        }
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
          if (line.startsWith("MemTotal:")) {
            memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            break;
          }
        }
      } catch (IOException | NumberFormatException e) {
        // not Linux: leave unknown
      }
      return new Machine(cpu, Runtime.getRuntime().availableProcessors(), memory,
          System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
          ManagementFactory.getRuntimeMXBean().getInputArguments(),
          Runtime.getRuntime().maxMemory());
    }
  }

  /** The settings of the run. */
  record Settings(long spanTarget, int partitions, int streamThreads, long seed, String rules,
      String processingGuarantee, String drainWait, String drainRootGrace, String latencyWait,
      String latencyRootGrace, int latencySeconds, double latencyLoad, String heapWait,
      long heapSpans, long warmupSpans, int warmupRounds, String rocksDbMemory,
      Map<String, String> samplerOverrides) {}

  /** The pre-loaded workload. */
  record Workload(long traces, long spans, long rootlessTraces, Map<String, Long> tracesByClass,
      long recordsByTrace, long recordsMixed, double bytesPerSpan, double loadSeconds) {}

  /**
   * One drain run: every pre-loaded record read, and for the sampler every trace decided.
   *
   * @param seconds from the first span read to the last trace decided (sampler) or the last
   *     output record committed (pass-through)
   * @param ingestSeconds from the first span read to the last span read (sampler only, else -1)
   */
  record Drain(String run, String app, String input, long spans, long records, long traces,
      double seconds, double spansPerSecond, double ingestSeconds, long decided, long kept,
      long deadLettered, boolean complete, MemoryProbe.Usage memory) {}

  /** A sampler run at a fixed offered load, for the decision delay. */
  record Latency(String run, String input, String decisionWait, String rootGrace,
      double targetSpansPerSecond, double offeredSpansPerSecond, double seconds, long spans,
      long traces, double p50Ms, double p99Ms, double maxMs, long maxBacklogSpans,
      double p99TargetMs) {}

  /** The heap with a growing buffer, after a full garbage collection. */
  record HeapPoint(long spansBuffered, long tracesDecided, long heapAfterGcBytes,
      long stateDirBytes, long rssBytes) {}

  /** The heap run. */
  record Heap(String decisionWait, long baselineHeapAfterGcBytes, long baselineRssBytes,
      List<HeapPoint> points) {}

  /** Everything, in run order. */
  record Report(String startedAt, Machine machine, Settings settings, Workload workload,
      List<Drain> drains, List<Ratio> ratios, List<Latency> latencies, Heap heap) {}

  /**
   * One drain run's spans/s over another's.
   *
   * @param target the target, or {@code NaN} where there is none
   */
  record Ratio(String name, double value, double target) {
    boolean hasTarget() {
      return !Double.isNaN(target);
    }
  }

  static void write(Report report, Path out) throws IOException {
    String name = out.getFileName().toString();
    String text = name.endsWith(".json")
        ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(report)
        : markdown(report);
    Files.writeString(out, text, StandardCharsets.UTF_8);
  }

  static String markdown(Report r) {
    StringBuilder md = new StringBuilder();
    Machine m = r.machine();
    Settings s = r.settings();
    line(md, "# Tailstream end-to-end benchmark (" + r.startedAt() + ")");
    line(md, "");
    line(md, String.format(Locale.ROOT, "Machine: %s, %d cores, %s memory; %s; max heap %s;"
            + " JVM options %s.", m.cpu(), m.cores(), mb(m.memoryBytes()), m.java(),
        mb(m.maxHeapBytes()), m.jvmArgs().isEmpty() ? "none" : String.join(" ", m.jvmArgs())));
    line(md, String.format(Locale.ROOT, "Settings: %d partitions, %d stream thread(s), %s,"
            + " rules %s, seed %d, sampler state.rocksdb.memory %s; drain runs decision.wait %s,"
            + " root-grace %s; %s.",
        s.partitions(), s.streamThreads(), s.processingGuarantee(), s.rules(), s.seed(),
        s.rocksDbMemory(),
        s.drainWait(), s.drainRootGrace(), s.warmupSpans() > 0
            ? String.format(Locale.ROOT, "before the first measured run, every drain run's"
                + " application drained %,d warm-up spans (seed %d) %s, unmeasured",
                s.warmupSpans(), s.seed() + 1,
                s.warmupRounds() == 1 ? "once" : s.warmupRounds() + " times")
            : "no warm-up")
        + (s.samplerOverrides().isEmpty() ? ""
            : " Sampler config overrides: " + s.samplerOverrides() + "."));
    Workload w = r.workload();
    if (w != null) {
      line(md, String.format(Locale.ROOT, "Workload: %,d spans in %,d traces (%s; %,d without"
              + " root), %.0f bytes per span; %,d records by trace ID, %,d mixed records;"
              + " loaded in %.1f s.", w.spans(), w.traces(), w.tracesByClass(),
          w.rootlessTraces(), w.bytesPerSpan(), w.recordsByTrace(), w.recordsMixed(),
          w.loadSeconds()));
    }
    if (!r.drains().isEmpty()) {
      line(md, "");
      line(md, "## Drain throughput");
      line(md, "");
      line(md, "| run | input | spans/s | seconds | all read after s | traces decided | kept |"
          + " peak heap | max heap after GC | peak RSS | CPU cores | JIT cores | complete |");
      line(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
      for (Drain d : r.drains()) {
        line(md, String.format(Locale.ROOT, "| %s | %s | %,.0f | %.1f | %s | %s | %s | %s | %s |"
                + " %s%s | %s | %s | %s |", d.run(), d.input(), d.spansPerSecond(), d.seconds(),
            d.ingestSeconds() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", d.ingestSeconds()),
            d.traces() < 0 ? "-" : String.format(Locale.ROOT, "%,d / %,d", d.decided(),
                d.traces()),
            d.kept() < 0 ? "-" : String.format(Locale.ROOT, "%,d", d.kept()),
            mb(d.memory().heapPeak()), mb(d.memory().heapMaxAfterGc()), mb(d.memory().rssPeak()),
            d.memory().rssPeakIsRun() ? "" : " (process)", cores(d.memory().cpuCores()),
            cores(d.memory().jitCores()), d.complete() ? "yes" : "NO"));
      }
      line(md, "");
      line(md, "spans/s: spans / seconds from the first span read to the last trace decided"
          + " (sampler) or the last output record committed (pass-through). All read after: when"
          + " the sampler had read every span. Heap and RSS are the whole JVM, broker included;"
          + " \"(process)\" marks an RSS peak that could not be reset per run. CPU cores: the"
          + " whole process's CPU time during the run divided by its length (the machine's cores"
          + " are the limit); JIT cores: the part of it the JIT compiler threads took, which a"
          + " long-running sampler does not pay.");
      if (!r.ratios().isEmpty()) {
        line(md, "");
        line(md, "| ratio | measured | target | met |");
        line(md, "|---|---:|---:|---|");
        for (Ratio ratio : r.ratios()) {
          line(md, String.format(Locale.ROOT, "| %s | %.2f | %s | %s |", ratio.name(),
              ratio.value(), ratio.hasTarget()
                  ? String.format(Locale.ROOT, ">= %.2f", ratio.target()) : "-",
              !ratio.hasTarget() ? "-" : ratio.value() >= ratio.target() ? "yes" : "no"));
        }
        line(md, "");
        line(md, "The floor runs do only what any sampler keeping the stores' durability contract"
            + " must do with each record (a persistent, changelogged store; read back and deleted"
            + " decision.wait later): floor / pass-through is the most the design can reach on"
            + " this machine, sampler / floor how close the sampler comes to it.");
      }
    }
    if (!r.latencies().isEmpty()) {
      line(md, "");
      line(md, "## Decision delay at a fixed load");
      line(md, "");
      line(md, "| run | decision.wait / root-grace | offered spans/s | seconds | traces | p50 ms"
          + " | p99 ms | max ms | p99 target ms | met | max backlog (spans) |");
      line(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
      for (Latency l : r.latencies()) {
        line(md, String.format(Locale.ROOT, "| %s | %s / %s | %,.0f (target %,.0f) | %.0f | %,d |"
                + " %,.0f | %,.0f | %,.0f | %,.0f | %s | %,d |", l.run(), l.decisionWait(),
            l.rootGrace(), l.offeredSpansPerSecond(), l.targetSpansPerSecond(), l.seconds(),
            l.traces(), l.p50Ms(), l.p99Ms(), l.maxMs(), l.p99TargetMs(),
            l.p99Ms() <= l.p99TargetMs() ? "yes" : "no", l.maxBacklogSpans()));
      }
    }
    if (!r.latencies().isEmpty()) {
      line(md, "");
      line(md, "Delay: tailstream.decision.delay, last span read to decision, as Micrometer"
          + " estimates its percentiles (1 significant digit, so within about 6%). Max backlog:"
          + " most spans offered but not yet read by the sampler.");
    }
    Heap h = r.heap();
    if (h != null) {
      line(md, "");
      line(md, "## Heap with a growing buffer (decision.wait " + h.decisionWait() + ")");
      line(md, "");
      line(md, String.format(Locale.ROOT, "Before any span: heap after GC %s, RSS %s.",
          mb(h.baselineHeapAfterGcBytes()), mb(h.baselineRssBytes())));
      line(md, "");
      line(md, "| spans buffered | traces decided | heap after GC | vs. empty | state dir | RSS |");
      line(md, "|---:|---:|---:|---:|---:|---:|");
      for (HeapPoint p : h.points()) {
        line(md, String.format(Locale.ROOT, "| %,d | %,d | %s | %+.0f MB | %s | %s |",
            p.spansBuffered(), p.tracesDecided(), mb(p.heapAfterGcBytes()),
            (p.heapAfterGcBytes() - h.baselineHeapAfterGcBytes()) / 1048576.0,
            mb(p.stateDirBytes()), mb(p.rssBytes())));
      }
      if (!h.points().isEmpty()) {
        HeapPoint last = h.points().get(h.points().size() - 1);
        line(md, "");
        line(md, String.format(Locale.ROOT, "Target: heap after GC <= 256 MB with %,d spans"
                + " buffered: %s.", last.spansBuffered(),
            last.heapAfterGcBytes() <= TARGET_HEAP_BYTES ? "met" : "not met"));
      }
    }
    return md.toString();
  }

  /** The ratios sampler ÷ pass-through for the runs present. */
  static List<Ratio> ratios(List<Drain> drains) {
    Map<String, Drain> byRun = new LinkedHashMap<>();
    drains.forEach(d -> byRun.put(d.run(), d));
    List<Ratio> out = new ArrayList<>();
    ratio(out, byRun, "sampler-partitioned", "passthrough-by-trace", TARGET_RATIO_PARTITIONED);
    ratio(out, byRun, "sampler-repartition", "passthrough-mixed", TARGET_RATIO_REPARTITION);
    ratio(out, byRun, "floor-by-trace", "passthrough-by-trace", Double.NaN);
    ratio(out, byRun, "floor-mixed", "passthrough-mixed", Double.NaN);
    ratio(out, byRun, "sampler-partitioned", "floor-by-trace", Double.NaN);
    ratio(out, byRun, "sampler-repartition", "floor-mixed", Double.NaN);
    return out;
  }

  private static void ratio(List<Ratio> out, Map<String, Drain> byRun, String run, String over,
      double target) {
    Drain d = byRun.get(run);
    Drain base = byRun.get(over);
    if (d != null && base != null && base.spansPerSecond() > 0) {
      out.add(new Ratio(run + " / " + over, d.spansPerSecond() / base.spansPerSecond(), target));
    }
  }

  static String mb(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f MB", bytes / 1048576.0);
  }

  static String cores(double cores) {
    return cores < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", cores);
  }

  private static void line(StringBuilder md, String line) {
    md.append(line).append('\n');
  }
}
