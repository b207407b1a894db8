package io.tailstream.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.tailstream.app.SamplerApp;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.tracemetrics.MetricFamily;
import io.tailstream.tracemetrics.MetricPoint;
import io.tailstream.tracemetrics.TraceMetrics;
import io.tailstream.generate.KafkaRecordSink;
import io.tailstream.generate.TrafficGenerator;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tailstream demo}: an embedded broker, the traffic generator and the sampler in one
 * process, with a live progress line and a summary at the end.
 */
@Command(name = "demo", description = "Run the whole pipeline on an embedded Kafka broker.")
final class DemoCommand implements Callable<Integer> {
  private static final String RULES_RESOURCE = "/io/tailstream/demo/demo-rules.yaml";

  @Option(names = "--duration", defaultValue = "20", paramLabel = "SECONDS",
      description = "Seconds of generated traffic (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--traces-per-second", defaultValue = "200", paramLabel = "N")
  double tracesPerSecond;

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("tailstream-demo");
    Path rulesFile = work.resolve("rules.yaml");
    try (InputStream in = DemoCommand.class.getResourceAsStream(RULES_RESOURCE)) {
      Files.copy(in, rulesFile);
    }
    out("Starting an embedded Kafka broker (single KRaft node)...");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      TailstreamConfig config = ConfigLoader.fromMap(Map.of(
          "application-id", "tailstream-demo",
          "kafka.bootstrap-servers", kafka.bootstrapServers(),
          "decision.wait", "5s",
          "decision.root-grace", "2s",
          "decision.late-span-window", "5m",
          "rules.file", rulesFile.toString(),
          "state.dir", work.resolve("state").toString(),
          "http.host", "127.0.0.1",
          "http.port", "0"));
      kafka.createTopics(3, config.topics().spans(), config.topics().sampled(),
          config.topics().decisions(), config.topics().deadLetter(), config.topics().metrics());
      out("Broker at " + kafka.bootstrapServers() + "; topics created. Rules (" + rulesFile
          + "):");
      Files.readAllLines(rulesFile).stream().filter(l -> !l.startsWith("#"))
          .forEach(l -> out("    " + l));
      try (SamplerApp app = SamplerApp.start(config);
          KafkaRecordSink sink = new KafkaRecordSink(kafka.bootstrapServers(),
              config.topics().spans(), false)) {
        long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (app.streams().state() != KafkaStreams.State.RUNNING
            && System.nanoTime() < readyBy) {
          Thread.sleep(100);
        }
        out("Sampler " + app.streams().state() + " (metrics on http://127.0.0.1:"
            + app.httpPort() + "/metrics); generating " + (int) tracesPerSecond + " traces/s for " + seconds + " s...");
        TrafficGenerator generator = new TrafficGenerator(new TrafficGenerator.Settings(
            tracesPerSecond, Duration.ofSeconds(seconds), 7L, Duration.ofSeconds(8)), sink);
        MeterRegistry registry = app.metrics().registry();
        Thread progress = ProgressLine.start(() -> progress(generator, registry));
        generator.run();
        sink.flush();
        // Wait for every generated trace to be decided and every late span to be routed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline
            && (decided(registry) < generator.stats().traces()
                || late(registry) < generator.stats().lateSpans())) {
          if (app.streams().state() == KafkaStreams.State.ERROR) {
            break;
          }
          Thread.sleep(200);
        }
        progress.interrupt();
        progress.join();
        System.out.println();
        summary(generator, registry, app.metrics().traceMetrics());
        boolean complete = decided(registry) >= generator.stats().traces();
        if (!complete) {
          System.err.println("Not every trace was decided within 60 s of the end of traffic.");
        }
        return complete ? 0 : 1;
      }
    }
  }

  private static String progress(TrafficGenerator g, MeterRegistry r) {
    double decided = decided(r);
    double kept = kept(r);
    return String.format("generated %,d traces | spans in %,.0f | decided %,.0f | kept %,.0f "
            + "(%.1f%%) | buffered %,.0f",
        g.stats().traces(), sum(r, "tailstream.spans.received"), decided, kept,
        decided == 0 ? 0.0 : 100 * kept / decided,
        Math.max(0, g.stats().traces() - decided));
  }

  private static void summary(TrafficGenerator g, MeterRegistry r, TraceMetrics metrics) {
    double decided = decided(r);
    double kept = kept(r);
    out("");
    out("Summary");
    out(String.format("  traffic      %,d traces by class %s", g.stats().traces(),
        g.stats().tracesByClass()));
    out(String.format("  spans in     %,.0f in %,.0f records (%,.0f dead-lettered)",
        sum(r, "tailstream.spans.received"), sum(r, "tailstream.records.received"),
        sum(r, "tailstream.records.dead_lettered")));
    out(String.format("  decided      %,.0f traces: kept %,.0f, dropped %,.0f, kept ratio %.2f%%",
        decided, kept, decided - kept, decided == 0 ? 0.0 : 100 * kept / decided));
    Map<String, double[]> byRule = new TreeMap<>();
    for (Counter c : r.find("tailstream.traces.decided").counters()) {
      double[] kd = byRule.computeIfAbsent(c.getId().getTag("rule"), k -> new double[2]);
      kd["keep".equals(c.getId().getTag("decision")) ? 0 : 1] += c.count();
    }
    byRule.forEach((rule, kd) -> out(String.format("    %-22s kept %,8.0f  dropped %,8.0f",
        rule, kd[0], kd[1])));
    Map<String, Double> byReason = new TreeMap<>();
    for (Counter c : r.find("tailstream.traces.decided").counters()) {
      byReason.merge(c.getId().getTag("completion"), c.count(), Double::sum);
    }
    out("  completion   " + format(byReason));
    out(String.format("  late spans   %,.0f kept, %,.0f dropped",
        count(r, "tailstream.spans.late", "outcome", "kept"),
        count(r, "tailstream.spans.late", "outcome", "dropped")));
    double p50 = 0;
    double p99 = 0;
    for (ValueAtPercentile v : r.get("tailstream.decision.delay").timer().takeSnapshot()
        .percentileValues()) {
      if (v.percentile() == 0.5) {
        p50 = v.value(TimeUnit.MILLISECONDS);
      } else if (v.percentile() == 0.99) {
        p99 = v.value(TimeUnit.MILLISECONDS);
      }
    }
    out(String.format("  decision delay (last span to decision): p50 %,.0f ms, p99 %,.0f ms",
        p50, p99));
    traceMetricsSummary(metrics);
  }

  /** Span-metric calls (every span, kept or dropped) and the service graph. */
  private static void traceMetricsSummary(TraceMetrics metrics) {
    long calls = 0;
    int series = 0;
    Map<String, Long> edges = new TreeMap<>();
    for (MetricFamily f : metrics.snapshot()) {
      if (f.name().equals(TraceMetrics.CALLS)) {
        series = f.points().size();
        calls = f.points().stream().mapToLong(MetricPoint::count).sum();
      } else if (f.name().equals(TraceMetrics.EDGE_REQUESTS)) {
        for (MetricPoint p : f.points()) {
          String type = p.key().overflow() ? "" : p.key().value(2);
          edges.put(p.key().overflow() ? "(overflow)" : p.key().value(0) + " -> "
              + p.key().value(1) + (type.isEmpty() ? "" : " (" + type + ")"), p.count());
        }
      }
    }
    out(String.format("  span metrics %,d calls (every span, kept or dropped) in %,d series",
        calls, series));
    out(String.format("  service graph %,d edges:", edges.size()));
    edges.forEach((edge, n) -> out(String.format("    %-44s %,8d requests", edge, n)));
  }

  private static String format(Map<String, Double> counts) {
    StringBuilder sb = new StringBuilder();
    counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ")
        .append(k).append(' ').append(String.format("%,.0f", v)));
    return sb.toString();
  }

  private static double decided(MeterRegistry r) {
    return sum(r, "tailstream.traces.decided");
  }

  private static double kept(MeterRegistry r) {
    return count(r, "tailstream.traces.decided", "decision", "keep");
  }

  private static double late(MeterRegistry r) {
    return sum(r, "tailstream.spans.late");
  }

  private static double sum(MeterRegistry r, String name) {
    return r.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static double count(MeterRegistry r, String name, String tag, String value) {
    return r.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static void out(String line) {
    System.out.println(line);
  }
}
