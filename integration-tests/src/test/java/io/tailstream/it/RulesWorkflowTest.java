package io.tailstream.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SRE workflow against a real broker, under continuous load: a candidate file is dry-run and
 * its diff read over HTTP, an invalid rules file is rejected while the old rules stay in force,
 * the live rules file is replaced and takes effect within seconds without a restart, and no trace
 * is lost or decided twice throughout. The rules redact e-mail addresses and tokens, and no
 * output topic ever holds one.
 */
class RulesWorkflowTest {
  static final String REDACT = String.join("\n",
      "redact:",
      "  - name: emails",
      "    keys: [\"user.email\"]",
      "    action: hash",
      "  - name: tokens",
      "    keys: [\"enduser.*\"]",
      "    action: remove",
      "");
  /** The second version: keep everything. */
  static final String KEEP_ALL = "rules:\n  - name: keep-all\n    action: keep\n" + REDACT;
  /** A candidate that would keep only the traces of one API route. */
  static final String CANDIDATE = String.join("\n",
      "rules:",
      "  - name: api-3",
      "    when: root.name == \"GET /api/3\"",
      "    action: keep",
      "  - name: default",
      "    action: drop",
      "");
  static final String INVALID = "rules:\n  - name: typo\n    when: trace.eror_count > 0\n"
      + "    action: keep\n  - name: default\n    action: drop\n";

  static EmbeddedKafka kafka;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    kafka.close();
  }

  @Test
  void rulesChangeUnderLoadWithoutLossAndRedactedValuesNeverReachAnOutputTopic()
      throws Exception {
    Path rulesFile = dir.resolve("rules.yaml");
    Files.writeString(rulesFile, GeneratedTraces.RULES + REDACT);
    Path candidateFile = dir.resolve("candidate.yaml");
    TailstreamConfig config = Pipelines.config(kafka, dir, "rules", dir.resolve("state"), "2s",
        Map.of("rules.candidate-file", candidateFile.toString(),
            "rules.reload-interval", "500ms",
            "rules.hash-key", "integration-test-secret"));
    GeneratedTraces generator = new GeneratedTraces(21);
    List<GeneratedTraces.Trace> traces = new ArrayList<>();
    for (GeneratedTraces.Trace t : generator.traces(1_500)) {
      traces.add(withSecrets(t));
    }
    // Ten batches per phase; each batch holds whole traces, shuffled over a few records, so
    // that no trace waits longer than decision.wait between two of its spans.
    List<List<byte[]>> batches = generator.batches(traces, 30, 25);

    try (SamplerApp app = SamplerApp.start(config);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled());
        CommittedReader deadLetters = new CommittedReader(kafka, config.topics().deadLetter())) {
      String base = "http://127.0.0.1:" + app.httpPort();
      // Load starts once the sampler runs, as the phases below are timed against it.
      BrokerRestartTest.awaitStatus(base + "/readyz", 200, Duration.ofSeconds(60));
      String firstHash = JSON.readTree(get(base + "/rules")).get("hash").asText();
      assertThat(get(base + "/rules/candidate/diff")).contains("no candidate");

      // Five phases of continuous load, about 3 s each, with a change of rules between them.
      int phase = batches.size() / 5;
      produceOver(config, batches.subList(0, phase), Duration.ofSeconds(3));

      Files.writeString(candidateFile, CANDIDATE);
      produceOver(config, batches.subList(phase, 2 * phase), Duration.ofSeconds(3));
      long diffDeadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      JsonNode diff = JSON.readTree(get(base + "/rules/candidate/diff"));
      while (diff.path("traces").asLong() == 0 && System.nanoTime() < diffDeadline) {
        Thread.sleep(200);
        diff = JSON.readTree(get(base + "/rules/candidate/diff"));
      }
      assertThat(diff.get("traces").asLong()).as("traces counted by the candidate diff")
          .isPositive();
      assertThat(diff.get("candidate_hash").asText()).isNotEqualTo(firstHash);

      replace(rulesFile, INVALID);
      produceOver(config, batches.subList(2 * phase, 3 * phase), Duration.ofSeconds(3));
      assertThat(JSON.readTree(get(base + "/rules")).get("hash").asText()).isEqualTo(firstHash);
      assertThat(get(base + "/metrics"))
          .contains("tailstream_rules_reload_total{result=\"failure\",set=\"active\"} 1.0");

      replace(rulesFile, KEEP_ALL);
      Instant swappedAt = Instant.now();
      produceOver(config, batches.subList(3 * phase, batches.size()), Duration.ofSeconds(6));
      String secondHash = JSON.readTree(get(base + "/rules")).get("hash").asText();
      assertThat(secondHash).isNotEqualTo(firstHash);
      assertThat(get(base + "/metrics")).contains("tailstream_rules_info{hash=\"" + secondHash);

      decisions.pollUntil(() -> decisions.keys().size() >= traces.size(), Duration.ofSeconds(60));
      decisions.drain(Duration.ofSeconds(2));
      sampled.drain(Duration.ofSeconds(2));
      deadLetters.drain(Duration.ofMillis(500));

      // Every trace decided exactly once, by one version of the rules or the other.
      Map<String, TraceDecision> byTrace = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : decisions.records) {
        TraceDecision d = TraceDecisionCodec.decode(r.value());
        assertThat(byTrace.put(d.getTraceId(), d)).as("second decision for %s", r.key()).isNull();
      }
      assertThat(byTrace.keySet()).containsExactlyInAnyOrderElementsOf(
          traces.stream().map(GeneratedTraces.Trace::id).collect(Collectors.toSet()));
      assertThat(byTrace.values()).extracting(TraceDecision::getRulesHash)
          .containsOnly(firstHash, secondHash);
      // The new rules took effect within seconds of the file changing.
      Instant settled = swappedAt.plusSeconds(3);
      List<TraceDecision> late = byTrace.values().stream()
          .filter(d -> d.getDecidedAt().isAfter(settled)).collect(Collectors.toList());
      assertThat(late).isNotEmpty();
      assertThat(late).extracting(TraceDecision::getRulesHash).containsOnly(secondHash);
      // The candidate's view is in the records decided while it was loaded, and only there.
      assertThat(late).allSatisfy(d -> assertThat(d.getCandidateRule()).isNotNull());

      // Each version kept exactly what it should, with every span.
      Map<String, Set<String>> kept = keptSpans(sampled.records);
      for (GeneratedTraces.Trace t : traces) {
        TraceDecision d = byTrace.get(t.id());
        boolean expected = d.getRulesHash().equals(secondHash) || t.expectedKept();
        assertThat(kept.containsKey(t.id())).as("kept %s (%s, rule %s)", t.id(), t.kind(),
            d.getRule()).isEqualTo(expected);
        if (expected) {
          assertThat(kept.get(t.id())).containsExactlyInAnyOrderElementsOf(t.spanIds());
        }
      }

      // No output topic holds a secret; the e-mail addresses are there as hashes only.
      List<ConsumerRecord<String, byte[]>> everything = new ArrayList<>(decisions.records);
      everything.addAll(sampled.records);
      everything.addAll(deadLetters.records);
      for (ConsumerRecord<String, byte[]> r : everything) {
        String bytes = new String(r.value(), UTF_8);
        assertThat(bytes).doesNotContain("@example.com").doesNotContain("tok-");
      }
      assertThat(sampled.records).allSatisfy(r ->
          assertThat(new String(r.value(), UTF_8)).contains("sha256:"));
      assertThat(get(base + "/metrics")).contains("tailstream_redactions_total{entry=\"emails\"}");
    }
  }

  /** Adds a unique e-mail address and token to every span of the trace. */
  static GeneratedTraces.Trace withSecrets(GeneratedTraces.Trace t) {
    List<Map.Entry<String, Span>> spans = new ArrayList<>();
    for (Map.Entry<String, Span> e : t.spans()) {
      spans.add(Map.entry(e.getKey(), e.getValue().toBuilder()
          .addAttributes(string("user.email", "user-" + t.id() + "@example.com"))
          .addAttributes(string("enduser.token", "tok-" + t.id()))
          .build()));
    }
    return new GeneratedTraces.Trace(t.id(), t.kind(), spans);
  }

  static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** Replaces a file the way an editor or a deployment does: write aside, then rename over. */
  static void replace(Path file, String content) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Sends the batches spread evenly over {@code duration}: continuous load, not one burst. */
  static void produceOver(TailstreamConfig config, List<List<byte[]>> batches, Duration duration)
      throws InterruptedException {
    for (List<byte[]> batch : batches) {
      Pipelines.produce(kafka, config, batch);
      Thread.sleep(duration.toMillis() / batches.size());
    }
  }

  static String get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  static Map<String, Set<String>> keptSpans(List<ConsumerRecord<String, byte[]>> records)
      throws Exception {
    Map<String, Set<String>> out = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      Set<String> spans = out.computeIfAbsent(r.key(), k -> new java.util.HashSet<>());
      TracesData.parseFrom(r.value()).getResourceSpansList().forEach(rs ->
          rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s ->
              assertThat(spans.add(java.util.HexFormat.of().formatHex(s.getSpanId().toByteArray())))
                  .as("span written twice").isTrue())));
    }
    return out;
  }
}
