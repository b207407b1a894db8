package io.tailstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailstream.app.StreamsSettings;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.BudgetShare;
import io.tailstream.decision.DecisionWorkers;
import io.tailstream.decision.RulesLoader;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleContext;
import io.tailstream.serdes.avro.CompletionReason;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decision helper threads change where a trace is decided, never what is decided or the order it
 * is written in: the same input through a topology with two helpers and through one deciding on
 * its stream thread gives the same decisions and the same kept traces, record for record.
 */
class DecisionThreadsTopologyTest {
  static final String RULES = String.join("\n",
      "rules:",
      "  - name: drop-health-checks",
      "    when: '\"http.route\" in root.attributes && root.attributes[\"http.route\"] == \"/healthz\"'",
      "    action: drop",
      "  - name: errors",
      "    when: trace.error_count > 0",
      "    action: keep",
      "  - name: priority",
      "    when: spans.exists(s, \"sampling.priority\" in s.attributes"
          + " && s.attributes[\"sampling.priority\"] == 1)",
      "    action: keep",
      "  - name: default",
      "    action: { sample: 0.5 }",
      "redact:",
      "  - name: emails",
      "    keys: [\"user.email\"]",
      "    action: hash",
      "  - name: headers",
      "    keys: [\"http.request.header.*\"]",
      "    action: remove",
      "");
  static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  static final int TRACES = 400;
  static final int MAX_SPANS = 20;

  @TempDir Path dir;

  /** One input record: when it is sent, after T0, and its OTLP export request. */
  record Send(long atMs, int order, byte[] request) {}

  /** What a run wrote: the decisions and kept traces, each key with its value, in order. */
  record Output(List<KeyValue<String, byte[]>> decisions, List<KeyValue<String, byte[]>> sampled) {}

  @Test
  void helperThreadsDecideExactlyLikeTheStreamThread() throws Exception {
    Workload workload = new Workload(new Random(20261121L));

    Output inline = run("inline", null, workload);
    Set<Thread> before = decisionThreads();
    DecisionWorkers workers = DecisionWorkers.of(2);
    Output helped;
    Set<Thread> during;
    try {
      helped = run("helpers", workers, workload);
      during = decisionThreads();
    } finally {
      workers.close();
    }
    during.removeAll(before);
    assertThat(during).as("helper threads started by the run").isNotEmpty();

    // The workload is varied enough to mean something.
    List<TraceDecision> decided = decode(inline.decisions());
    assertThat(decided).extracting(TraceDecision::getTraceId)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(workload.traceIds);
    assertThat(decided).extracting(TraceDecision::getRule)
        .contains("drop-health-checks", "errors", "priority", "default");
    assertThat(decided).extracting(TraceDecision::getDecision)
        .contains(Decision.KEEP, Decision.DROP);
    assertThat(decided).filteredOn(d -> d.getRule().equals("default"))
        .extracting(TraceDecision::getDecision).contains(Decision.KEEP, Decision.DROP);
    assertThat(decided).extracting(TraceDecision::getCompletionReason)
        .contains(CompletionReason.ROOT, CompletionReason.IDLE, CompletionReason.SPAN_LIMIT);
    long kept = decided.stream().filter(d -> d.getDecision() == Decision.KEEP).count();
    // Every kept trace, and late spans of some of them.
    assertThat(inline.sampled()).hasSizeGreaterThan((int) kept);

    // The decisions, field by field, in order.
    List<TraceDecision> decidedWithHelpers = decode(helped.decisions());
    assertThat(keys(helped.decisions())).containsExactlyElementsOf(keys(inline.decisions()));
    assertThat(summaries(decidedWithHelpers)).containsExactlyElementsOf(summaries(decided));
    assertThat(decidedWithHelpers).containsExactlyElementsOf(decided);
    assertThat(hex(helped.decisions())).containsExactlyElementsOf(hex(inline.decisions()));

    // The kept traces and late spans, byte for byte, in order.
    assertThat(keys(helped.sampled())).containsExactlyElementsOf(keys(inline.sampled()));
    assertThat(hex(helped.sampled())).containsExactlyElementsOf(hex(inline.sampled()));
  }

  /**
   * Traces of every kind: health checks, errors, priority, sampled by trace ID, rootless ones
   * decided when idle, ones over the span limit, ones whose root comes last, several traces in
   * one request; many arrive close together, so one punctuation decides dozens of them. Then late
   * spans of some of them, after their decision.
   */
  static final class Workload {
    final List<String> traceIds = new ArrayList<>();
    final List<Send> sends = new ArrayList<>();
    final List<byte[]> lateSpans = new ArrayList<>();

    Workload(Random random) {
      List<Send> unsorted = new ArrayList<>();
      byte[] pendingCombine = null;
      for (int k = 0; k < TRACES; k++) {
        byte[] idBytes = new byte[16];
        random.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        traceIds.add(id);
        long start = k * 12L + random.nextInt(40);
        TestTraces.TraceBuilder trace = TestTraces.trace(id)
            .startingAt(1_700_000_000_000_000_000L + k * 1_000_000L);
        int kind = random.nextInt(100);
        if (kind < 10) {
          trace.root("frontend", "GET /healthz", "http.route", "/healthz");
        } else if (kind < 25) {
          trace.root("frontend", "POST /pay", "user.email", "u" + k + "@example.com")
              .child("cart", "GET /cart", "http.request.header.authorization", "Bearer " + k)
              .errorChild("payment", "POST /charge");
        } else if (kind < 30) {
          trace.root("frontend", "GET /", "sampling.priority", 1L);
        } else if (kind < 37) {
          // No root: decided decision.wait after its last span.
          trace.child("worker", "job " + k).errorChild("worker", "retry " + k);
        } else if (kind < 42) {
          // Over the span limit: decided the moment a fragment pushes it past.
          trace.root("batch", "run " + k);
          for (int i = 0; i < MAX_SPANS + 5; i++) {
            trace.timedChild("batch", "step " + i, i == 3 && k % 2 == 0, 1000L + i);
          }
        } else {
          trace.root("frontend", "GET /item/" + k, "user.email", "u" + k + "@example.com");
          int children = random.nextInt(5);
          for (int i = 0; i < children; i++) {
            trace.child("svc" + random.nextInt(4), "op " + i);
          }
        }
        int spans = trace.spanCount();
        if (kind >= 37 && kind < 42) {
          // Fragments of 7 spans, 100 ms apart.
          for (int from = 0; from < spans; from += 7) {
            List<byte[]> parts = new ArrayList<>();
            for (int i = from; i < Math.min(spans, from + 7); i++) {
              parts.add(trace.span(i));
            }
            unsorted.add(new Send(start + from / 7 * 100L, unsorted.size(),
                TestTraces.combine(parts.toArray(byte[][]::new))));
          }
        } else if (spans > 1 && random.nextInt(3) == 0) {
          // Children first, root (span 0) up to 1.5 s later.
          for (int i = 1; i < spans; i++) {
            unsorted.add(new Send(start + random.nextInt(200), unsorted.size(), trace.span(i)));
          }
          unsorted.add(new Send(start + 200 + random.nextInt(1300), unsorted.size(),
              trace.span(0)));
        } else if (pendingCombine == null && random.nextInt(4) == 0) {
          pendingCombine = trace.build(); // sent together with the next trace
        } else if (pendingCombine != null) {
          unsorted.add(new Send(start, unsorted.size(),
              TestTraces.combine(pendingCombine, trace.build())));
          pendingCombine = null;
        } else {
          unsorted.add(new Send(start, unsorted.size(), trace.build()));
        }
        if (k % 13 == 0) {
          lateSpans.add(TestTraces.trace(id).startingAt(1_700_000_000_000_000_000L + k)
              .child("late", "after " + k, "user.email", "late" + k + "@example.com").build());
        }
      }
      if (pendingCombine != null) {
        unsorted.add(new Send(TRACES * 12L, unsorted.size(), pendingCombine));
      }
      unsorted.sort(Comparator.comparingLong(Send::atMs).thenComparingInt(Send::order));
      sends.addAll(unsorted);
    }
  }

  /** Runs the workload through a fresh topology; {@code workers} null for the 3-arg one. */
  Output run(String name, DecisionWorkers workers, Workload workload) throws Exception {
    Path rulesFile = Files.writeString(dir.resolve(name + "-rules.yaml"), RULES);
    Map<String, String> settings = new HashMap<>(Map.of(
        "decision.wait", "10s",
        "decision.root-grace", "2s",
        "decision.max-trace-age", "60s",
        "decision.late-span-window", "30m",
        "limits.max-spans-per-trace", String.valueOf(MAX_SPANS),
        "rules.file", rulesFile.toString(),
        "state.dir", dir.resolve(name + "-state").toString()));
    TailstreamConfig config = ConfigLoader.fromMap(settings);
    RulesLoader loader = new RulesLoader(RuleContext.standalone(), "test-secret",
        Clock.systemUTC());
    ActiveRules rules = new ActiveRules(loader.load(rulesFile));
    SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
    TailSamplingTopology topology = workers == null
        ? new TailSamplingTopology(config, rules, metrics)
        : new TailSamplingTopology(config, rules, metrics, new BudgetShare(0), workers);
    try (TopologyTestDriver driver =
        new TopologyTestDriver(topology.get(), StreamsSettings.of(config), T0)) {
      TestInputTopic<byte[], byte[]> spans = driver.createInputTopic(config.topics().spans(),
          new ByteArraySerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
      TestOutputTopic<String, byte[]> sampled = driver.createOutputTopic(
          config.topics().sampled(), new StringDeserializer(), new ByteArrayDeserializer());
      TestOutputTopic<String, byte[]> decisions = driver.createOutputTopic(
          config.topics().decisions(), new StringDeserializer(), new ByteArrayDeserializer());

      long nowMs = 0;
      for (Send send : workload.sends) {
        if (send.atMs() > nowMs) {
          driver.advanceWallClockTime(Duration.ofMillis(send.atMs() - nowMs));
          nowMs = send.atMs();
        }
        spans.pipeInput(null, send.request(), T0.plusMillis(nowMs));
      }
      // Past every timer, 100 ms at a time, so the punctuations keep their interval.
      for (int i = 0; i < 700; i++) {
        driver.advanceWallClockTime(Duration.ofMillis(100));
        nowMs += 100;
      }
      for (byte[] late : workload.lateSpans) {
        spans.pipeInput(null, late, T0.plusMillis(nowMs));
      }
      driver.advanceWallClockTime(Duration.ofSeconds(1));
      return new Output(decisions.readKeyValuesToList(), sampled.readKeyValuesToList());
    }
  }

  static Set<Thread> decisionThreads() {
    Set<Thread> out = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("tailstream-decision-")) {
        out.add(t);
      }
    }
    return out;
  }

  static List<TraceDecision> decode(List<KeyValue<String, byte[]>> records) {
    return records.stream().map(kv -> TraceDecisionCodec.decode(kv.value)).toList();
  }

  static List<String> keys(List<KeyValue<String, byte[]>> records) {
    return records.stream().map(kv -> kv.key).toList();
  }

  static List<String> hex(List<KeyValue<String, byte[]>> records) {
    return records.stream().map(kv -> kv.key + "=" + HexFormat.of().formatHex(kv.value)).toList();
  }

  /** The fields that tell decisions apart, readable in a failure message. */
  static List<String> summaries(List<TraceDecision> decisions) {
    return decisions.stream().map(d -> d.getTraceId() + " " + d.getDecision() + " " + d.getRule()
        + " " + d.getSampleRate() + " " + d.getCompletionReason() + " " + d.getSpanCount()
        + " " + d.getDecidedAt()).toList();
  }
}
