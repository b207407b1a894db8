package io.tailstream.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.decision.ActiveRules;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The sampler's HTTP endpoint: {@code /metrics} (Prometheus text format), {@code /healthz}
 * (liveness: the Kafka Streams client has not failed), {@code /readyz} (readiness: it is
 * RUNNING, so its partitions are assigned and restored, and the brokers answer), {@code /rules} (the rules in force and
 * the candidate) and {@code /rules/candidate/diff} (the candidate's dry-run counts).
 */
public final class AdminServer implements AutoCloseable {
  private static final String JSON = "application/json";
  private static final String OPENMETRICS =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Binds and starts the server.
   *
   * @throws IOException if the address cannot be bound
   */
  public static AdminServer start(
      TailstreamConfig.Http http, PrometheusMeterRegistry registry, KafkaStreams streams,
      BrokerStatus brokers, ActiveRules rules) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(http.host(), http.port()), 0);
    server.createContext("/metrics", exchange -> {
      try (exchange) {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (accept != null && accept.contains("application/openmetrics-text")) {
          // OpenMetrics carries the exemplars that point from span metrics to kept traces.
          respond(exchange, 200, OPENMETRICS, registry.scrape(OPENMETRICS));
        } else {
          respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        }
      }
    });
    server.createContext("/healthz", exchange -> {
      try (exchange) {
        KafkaStreams.State state = streams.state();
        boolean alive = state != KafkaStreams.State.ERROR
            && state != KafkaStreams.State.PENDING_ERROR
            && state != KafkaStreams.State.NOT_RUNNING;
        respond(exchange, alive ? 200 : 503, "text/plain; charset=utf-8", state + "\n");
      }
    });
    server.createContext("/readyz", exchange -> {
      try (exchange) {
        KafkaStreams.State state = streams.state();
        String hash = rules.snapshot().active().hash();
        String reason;
        if (!brokers.reachable()) {
          reason = "brokers unreachable since " + brokers.unreachableSince();
        } else if (state != KafkaStreams.State.RUNNING) {
          reason = "Kafka Streams is " + state + ", not RUNNING";
        } else if (hash == null) {
          reason = "no rules loaded";
        } else {
          reason = null;
        }
        if (reason == null) {
          respond(exchange, 200, "text/plain; charset=utf-8",
              "ready: Kafka Streams RUNNING, rules " + hash + "\n");
        } else {
          respond(exchange, 503, "text/plain; charset=utf-8", "not ready: " + reason + "\n");
        }
      }
    });
    server.createContext("/rules", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/rules") || path.equals("/rules/")) {
          respond(exchange, 200, JSON, RulesJson.rules(rules.snapshot()));
        } else if (path.equals("/rules/candidate/diff")) {
          ActiveRules.Snapshot snapshot = rules.snapshot();
          if (snapshot.candidate() == null) {
            respond(exchange, 404, JSON,
                "{\"error\":\"no candidate rules are loaded (rules.candidate-file)\"}\n");
          } else {
            respond(exchange, 200, JSON, RulesJson.candidateDiff(snapshot));
          }
        } else {
          respond(exchange, 404, "text/plain; charset=utf-8", "not found\n");
        }
      }
    });
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "tailstream-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new AdminServer(server);
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The bound port; useful when the configured port was 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
