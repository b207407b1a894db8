package io.tailstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailstream.app.StreamsSettings;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.RulesLoader;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.rules.RuleContext;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code limit} and {@code adaptive} actions inside the running topology, on generated
 * traffic over 60 simulated seconds: the rule clock follows the driver's wall clock, so the
 * measured kept rates are exact and repeatable.
 */
class RateRulesInTopologyTest {
  static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  static final String RULES = String.join("\n",
      "rules:",
      "  - name: cap-checkout",
      "    when: root.service == \"checkout\"",
      "    action: { limit: { per-second: 5 } }",
      "  - name: per-endpoint",
      "    action: { adaptive: { target-per-second: 2, key: root.name } }",
      "");
  static final int SECONDS = 60;

  @TempDir Path dir;

  @Test
  void keptRatesMeetTheirTargetsOnGeneratedTraffic() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), RULES);
    TailstreamConfig config = ConfigLoader.fromMap(Map.of(
        "decision.wait", "1s",
        "decision.root-grace", "1s",
        "rules.file", file.toString(),
        "state.dir", dir.resolve("state").toString()));
    AtomicLong nanos = new AtomicLong(TimeUnit.SECONDS.toNanos(1_000));
    RulesLoader loader = new RulesLoader(new RuleContext(nanos::get, () -> 1.0, 100), null,
        Clock.systemUTC());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Map<String, int[]> keptAndSeen = new HashMap<>();
    Map<String, Double> rateSum = new HashMap<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(
        new TailSamplingTopology(config, new ActiveRules(loader.load(file)),
            new SamplerMetrics(registry)).get(), StreamsSettings.of(config), T0)) {
      TestInputTopic<byte[], byte[]> spans = driver.createInputTopic(config.topics().spans(),
          new ByteArraySerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
      TestOutputTopic<String, byte[]> decisions = driver.createOutputTopic(
          config.topics().decisions(), new StringDeserializer(), new ByteArrayDeserializer());
      Random random = new Random(42);
      Instant now = T0;
      // Per simulated second: 50 checkout traces, 100 of one hot endpoint, 10 of a warm one,
      // and one rare trace every other second; sent in ten slices of 100 ms.
      for (int second = 0; second < SECONDS + 3; second++) {
        for (int slice = 0; slice < 10; slice++) {
          if (second < SECONDS) {
            send(spans, now, random, "checkout", "POST /pay", 5);
            send(spans, now, random, "catalog", "GET /hot", 10);
            send(spans, now, random, "catalog", "GET /warm", 1);
            if (second % 2 == 0 && slice == 0) {
              send(spans, now, random, "catalog", "GET /rare", 1);
            }
          }
          driver.advanceWallClockTime(Duration.ofMillis(100));
          now = now.plusMillis(100);
          nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        }
        for (byte[] value : decisions.readValuesToList()) {
          TraceDecision d = TraceDecisionCodec.decode(value);
          String key = d.getRule().equals("cap-checkout") ? "checkout" : d.getRootName();
          int[] counts = keptAndSeen.computeIfAbsent(key, k -> new int[2]);
          counts[1]++;
          if (d.getDecision() == Decision.KEEP) {
            counts[0]++;
            rateSum.merge(key, d.getSampleRate(), Double::sum);
          }
        }
      }
    }
    assertThat(keptAndSeen.get("checkout")[1]).isEqualTo(50 * SECONDS);
    // A token bucket of 5/s with one second of burst: 5 per second, plus the initial burst.
    assertThat(keptAndSeen.get("checkout")[0]).isBetween(5 * SECONDS, 5 * SECONDS + 5);
    // Adaptive toward 2 kept per second per endpoint: the hot and the warm one are sampled
    // down to about 2/s (binomial noise and the first, unthrottled interval allowed for)...
    assertThat(keptAndSeen.get("GET /hot")[0]).isBetween(90, 160);
    assertThat(keptAndSeen.get("GET /warm")[0]).isBetween(90, 160);
    // ...with the effective probability recorded: about 2/100 for the hot endpoint.
    assertThat(rateSum.get("GET /hot") / keptAndSeen.get("GET /hot")[0]).isBetween(0.01, 0.06);
    // ...and the rare one, below its target, is kept whole at probability 1.
    assertThat(keptAndSeen.get("GET /rare")[0]).isEqualTo(keptAndSeen.get("GET /rare")[1])
        .isEqualTo(SECONDS / 2);
    assertThat(rateSum.get("GET /rare")).isEqualTo(SECONDS / 2.0);
  }

  static void send(TestInputTopic<byte[], byte[]> spans, Instant now, Random random,
      String service, String name, int count) {
    for (int i = 0; i < count; i++) {
      byte[] id = new byte[16];
      random.nextBytes(id);
      spans.pipeInput(null, TestTraces.trace(HexFormat.of().formatHex(id)).root(service, name)
          .child(service, "db").build(), now);
    }
  }
}
