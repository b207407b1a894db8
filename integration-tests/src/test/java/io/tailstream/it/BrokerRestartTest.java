package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.app.SamplerApp;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.demo.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away for 15 s in the middle of continuous load and comes back on the same port
 * with the same data. The sampler must report the outage on {@code /readyz} while it lasts,
 * resume by itself, and lose or duplicate nothing.
 */
class BrokerRestartTest {
  static final Duration OUTAGE = Duration.ofSeconds(15);
  static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(1)).build();

  static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void samplerResumesAfterABrokerOutageWithoutLossAndReportsIt() throws Exception {
    TailstreamConfig config = Pipelines.config(kafka, dir, "outage", dir.resolve("state"), "2s");
    GeneratedTraces generator = new GeneratedTraces(31);
    List<GeneratedTraces.Trace> traces = generator.traces(2_000);
    List<List<byte[]>> batches = generator.batches(traces, 25, 25);

    try (SamplerApp app = SamplerApp.start(config);
        CommittedReader decisions = new CommittedReader(kafka, config.topics().decisions());
        CommittedReader sampled = new CommittedReader(kafka, config.topics().sampled())) {
      String readyz = "http://127.0.0.1:" + app.httpPort() + "/readyz";
      awaitStatus(readyz, 200, Duration.ofSeconds(60));
      BackgroundLoad load = BackgroundLoad.start(batches,
          batch -> Pipelines.produce(kafka, config, batch), Duration.ofMillis(250));
      Thread.sleep(6_000);

      kafka.stopBroker();
      long outageEnds = System.nanoTime() + OUTAGE.toNanos();
      List<Integer> duringOutage = new ArrayList<>();
      while (System.nanoTime() < outageEnds) {
        duringOutage.add(status(readyz));
        Thread.sleep(500);
      }
      kafka.restartBroker();
      // Readiness reported the outage within a few seconds and for the rest of it.
      assertThat(duringOutage.subList(duringOutage.size() / 2, duringOutage.size()))
          .as("/readyz during the second half of the outage").containsOnly(503);
      awaitStatus(readyz, 200, Duration.ofSeconds(120));
      assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);

      load.join();
      decisions.pollUntil(() -> decisions.keys().size() >= traces.size(), Duration.ofSeconds(120));
      decisions.drain(Duration.ofSeconds(2));
      Set<String> expectedKept = traces.stream().filter(GeneratedTraces.Trace::expectedKept)
          .map(GeneratedTraces.Trace::id).collect(Collectors.toSet());
      sampled.pollUntil(() -> sampled.keys().containsAll(expectedKept), Duration.ofSeconds(30));
      sampled.drain(Duration.ofSeconds(2));

      Map<String, Integer> perTrace = EndToEndSamplingTest.decisionsPerTrace(decisions.records);
      assertThat(perTrace.keySet()).containsExactlyInAnyOrderElementsOf(
          traces.stream().map(GeneratedTraces.Trace::id).collect(Collectors.toSet()));
      assertThat(perTrace.values()).containsOnly(1);
      EndToEndSamplingTest.assertExactlyTheKeptTraces(traces,
          EndToEndSamplingTest.keptSpans(sampled.records));
    }
  }

  static int status(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static void awaitStatus(String url, int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (status(url) != expected) {
      assertThat(System.nanoTime()).as("%s answers %d within %s", url, expected, timeout)
          .isLessThan(deadline);
      Thread.sleep(250);
    }
  }
}
