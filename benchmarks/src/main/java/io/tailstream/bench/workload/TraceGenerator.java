package io.tailstream.bench.workload;

import static io.tailstream.bench.workload.Attributes.attribute;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tailstream.bench.workload.Emitter.Scope;
import io.tailstream.bench.workload.SyntheticTrace.EmittedSpan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Generates realistic traces of the synthetic shop, repeatably from a seed: a frontend server span
 * fanning out to up to eleven services over HTTP, database and cache calls, calls to external
 * APIs, Kafka messages consumed asynchronously, and internal spans. Every span has 8 to 15
 * attributes with their usual OpenTelemetry semantic-convention names and OTLP types, every
 * service instance exports 25 resource attributes, and the span kinds (server, client,
 * internal, producer, consumer) and statuses (unset, ok, error) are mixed.
 *
 * <p>Sizes are log-uniform between the bounds (by default 5 to 200 spans, 53 on average): many
 * small traces and a long tail of large ones. The classes are mixed with the demo generator's
 * shares ({@link TraceClass}); 2% of the normal traces lack their root span.
 *
 * <p>Not thread-safe.
 */
public final class TraceGenerator {
  public static final int DEFAULT_MIN_SPANS = 5;
  public static final int DEFAULT_MAX_SPANS = 200;
  /** Share of normal traces whose root span is never exported. */
  static final double ROOTLESS_SHARE = 0.02;

  private static final String[][] ROOT_ROUTES = {
      {"GET", "/api/products"}, {"GET", "/api/products/{id}"}, {"GET", "/api/cart"},
      {"POST", "/api/cart/items"}, {"POST", "/api/checkout"}, {"GET", "/api/recommendations"},
      {"GET", "/api/search"}, {"GET", "/api/orders/{id}"}};
  /** Endpoints of each service, indexed like {@link Emitter#SERVICES}. */
  private static final String[][] ENDPOINTS = {
      {"GET /"},
      {"GET /products", "GET /products/{id}", "GET /categories"},
      {"GET /cart", "POST /cart/items", "DELETE /cart/items/{id}"},
      {"POST /checkout", "GET /orders/{id}"},
      {"POST /charge", "POST /refund"},
      {"GET /stock/{sku}", "POST /reservations"},
      {"POST /quote", "POST /shipments"},
      {"GET /recommendations"},
      {"GET /convert", "GET /rates"},
      {"POST /send"},
      {"POST /token/verify", "GET /users/{id}"},
      {"GET /search", "GET /suggest"}};
  private static final String[][] STATEMENTS = {
      {"SELECT", "products", "SELECT p.id, p.name, p.price, p.currency FROM products p"
          + " WHERE p.category_id = $1 ORDER BY p.rank LIMIT 20"},
      {"SELECT", "stock", "SELECT s.sku, s.quantity, s.warehouse FROM stock s WHERE s.sku = $1"},
      {"INSERT", "orders", "INSERT INTO orders (id, user_id, total, currency, created_at)"
          + " VALUES ($1, $2, $3, $4, now())"},
      {"UPDATE", "reservations", "UPDATE reservations SET state = $1 WHERE order_id = $2"},
      {"SELECT", "users", "SELECT u.id, u.tier, u.locale FROM users u WHERE u.id = $1"}};
  private static final String[] REDIS_COMMANDS = {"GET", "HGETALL", "SET", "EXPIRE", "MGET"};
  private static final String[][] EXTERNALS = {
      {"stripe", "api.stripe.com", "POST", "/v1/charges"},
      {"ups", "onlinetools.ups.com", "POST", "/api/rating/v1/Shop"},
      {"sendgrid", "api.sendgrid.com", "POST", "/v3/mail/send"}};
  private static final String[] INTERNAL_OPERATIONS = {
      "PriceCalculator.total", "CartMapper.toDto", "FeatureFlags.evaluate", "Cache.lookup",
      "OrderValidator.validate", "TemplateRenderer.render"};
  private static final String[] TOPICS = {"orders", "shipments", "emails", "stock-events"};
  private static final String[] USER_AGENTS = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/130.0.0.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15"
          + " (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
      "okhttp/4.12.0", "kube-probe/1.30"};
  private static final String STACK_TRACE = "java.lang.IllegalStateException: upstream returned"
      + " 503\n\tat shop.client.UpstreamClient.call(UpstreamClient.java:88)\n\tat"
      + " shop.service.OrderService.place(OrderService.java:142)\n\tat"
      + " shop.web.OrderController.checkout(OrderController.java:57)\n\tat"
      + " java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke("
      + "DirectMethodHandleAccessor.java:103)";

  private final Random random;
  private final int minSpans;
  private final int maxSpans;

  /** Traces of 5 to 200 spans. */
  public TraceGenerator(long seed) {
    this(seed, DEFAULT_MIN_SPANS, DEFAULT_MAX_SPANS);
  }

  /**
   * @param seed the random seed; the same seed gives the same traces
   * @param minSpans the smallest trace, at least 2
   * @param maxSpans the largest trace, at least {@code minSpans}
   */
  public TraceGenerator(long seed, int minSpans, int maxSpans) {
    if (minSpans < 2 || maxSpans < minSpans) {
      throw new IllegalArgumentException(
          "span bounds were [" + minSpans + ", " + maxSpans + "] but need 2 <= min <= max");
    }
    this.random = new Random(seed);
    this.minSpans = minSpans;
    this.maxSpans = maxSpans;
  }

  /** A trace of a random class and size, starting at {@code startUnixNano}. */
  public SyntheticTrace next(long startUnixNano) {
    TraceClass traceClass = TraceClass.pick(random);
    double logMin = Math.log(minSpans);
    double logMax = Math.log(maxSpans + 1.0);
    int spans = (int) Math.exp(logMin + random.nextDouble() * (logMax - logMin));
    return next(traceClass, Math.min(maxSpans, Math.max(minSpans, spans)), startUnixNano);
  }

  /** A trace of the given class with exactly {@code spans} spans (at least 2). */
  public SyntheticTrace next(TraceClass traceClass, int spans, long startUnixNano) {
    if (spans < 2) {
      throw new IllegalArgumentException("a trace needs at least 2 spans, not " + spans);
    }
    boolean rootless = traceClass == TraceClass.NORMAL && random.nextDouble() < ROOTLESS_SHARE;
    byte[] traceId = new byte[16];
    random.nextBytes(traceId);
    traceId[0] |= 1; // never all zeros
    Tree tree = new Tree(traceClass);
    tree.grow(rootless ? spans + 1 : spans);
    tree.schedule(tree.root, 0);
    if (traceClass == TraceClass.SLOW) {
      tree.slowDown();
    }
    if (traceClass == TraceClass.ERROR) {
      tree.fail();
    }
    List<EmittedSpan> out = new ArrayList<>(spans + 1);
    ByteString id = ByteString.copyFrom(traceId);
    for (Node n : tree.nodes) {
      if (rootless && n == tree.root) {
        continue;
      }
      out.add(new EmittedSpan(n.emitter, n.toSpan(id, startUnixNano)));
    }
    out.sort(Comparator.comparingLong(s -> s.span().getEndTimeUnixNano()));
    return new SyntheticTrace(traceId, traceClass, !rootless, out);
  }

  private long micros(int min, int max) {
    return 1_000L * (min + random.nextInt(max - min + 1));
  }

  private byte[] spanId() {
    byte[] id = new byte[8];
    random.nextBytes(id);
    id[0] |= 1;
    return id;
  }

  /** The spans of one trace as a tree, before they become OTLP spans. */
  private final class Tree {
    private final TraceClass traceClass;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Node> callers = new ArrayList<>();
    private final int[] instanceOf = new int[Emitter.SERVICES.length];
    private Node root;

    Tree(TraceClass traceClass) {
      this.traceClass = traceClass;
      for (int s = 0; s < instanceOf.length; s++) {
        instanceOf[s] = random.nextInt(Emitter.INSTANCES);
      }
    }

    private Node add(Node parent, int service, Scope scope, Span.SpanKind kind, String name) {
      Node n = new Node(spanId(), parent,
          Emitter.of(service, instanceOf[service], scope), service, kind, name);
      if (parent != null) {
        parent.children.add(n);
      }
      nodes.add(n);
      return n;
    }

    void grow(int spans) {
      boolean health = traceClass == TraceClass.HEALTH_CHECK;
      String[] route = health
          ? new String[] {"GET", random.nextBoolean() ? "/healthz" : "/readyz"}
          : ROOT_ROUTES[random.nextInt(ROOT_ROUTES.length)];
      root = add(null, 0, Scope.HTTP_SERVER, Span.SpanKind.SPAN_KIND_SERVER,
          route[0] + " " + route[1]);
      root.method = route[0];
      root.route = route[1];
      root.priority = traceClass == TraceClass.PRIORITY;
      root.before = micros(50, 300);
      root.after = micros(50, 300);
      callers.add(root);
      int remaining = spans - 1;
      while (remaining > 0) {
        Node caller = callers.get(random.nextInt(callers.size()));
        double r = health ? 0.35 + 0.41 * random.nextDouble() : random.nextDouble();
        if (r < 0.35 && remaining >= 2) {
          remoteCall(caller);
          remaining -= 2;
        } else if (r < 0.60) {
          databaseCall(caller);
          remaining--;
        } else if (r < 0.68 && remaining >= 2) {
          message(caller);
          remaining -= 2;
        } else if (r < 0.76) {
          externalCall(caller);
          remaining--;
        } else {
          Node n = add(caller, caller.service, Scope.INTERNAL, Span.SpanKind.SPAN_KIND_INTERNAL,
              INTERNAL_OPERATIONS[random.nextInt(INTERNAL_OPERATIONS.length)]);
          n.before = micros(20, 200);
          n.after = micros(20, 500);
          n.ok = random.nextInt(3) == 0;
          callers.add(n);
          remaining--;
        }
      }
    }

    private void remoteCall(Node caller) {
      int callee = 1 + random.nextInt(Emitter.SERVICES.length - 1);
      if (callee == caller.service) {
        callee = 1 + callee % (Emitter.SERVICES.length - 1);
      }
      String endpoint = ENDPOINTS[callee][random.nextInt(ENDPOINTS[callee].length)];
      int space = endpoint.indexOf(' ');
      Node client = add(caller, caller.service, Scope.HTTP_CLIENT,
          Span.SpanKind.SPAN_KIND_CLIENT, endpoint.substring(0, space));
      client.method = endpoint.substring(0, space);
      client.route = endpoint.substring(space + 1);
      client.peer = callee;
      client.before = micros(50, 200);
      client.after = micros(50, 200);
      Node server = add(client, callee, Scope.HTTP_SERVER, Span.SpanKind.SPAN_KIND_SERVER,
          endpoint);
      server.method = client.method;
      server.route = client.route;
      server.before = micros(50, 300);
      server.after = micros(50, 300);
      callers.add(server);
    }

    private void databaseCall(Node caller) {
      boolean redis = caller.service == 2 || random.nextInt(4) == 0;
      Node n;
      if (redis) {
        String command = REDIS_COMMANDS[random.nextInt(REDIS_COMMANDS.length)];
        n = add(caller, caller.service, Scope.REDIS, Span.SpanKind.SPAN_KIND_CLIENT, command);
        n.statement = new String[] {command, "session", command + " session:" + random.nextInt(
            1_000_000)};
        n.after = micros(100, 800);
      } else {
        String[] statement = STATEMENTS[random.nextInt(STATEMENTS.length)];
        n = add(caller, caller.service, Scope.JDBC, Span.SpanKind.SPAN_KIND_CLIENT,
            statement[0] + " shop." + statement[1]);
        n.statement = statement;
        n.after = micros(300, 5_000);
      }
      n.database = redis ? "redis" : "postgresql";
      n.leaf = true;
    }

    private void message(Node caller) {
      String topic = TOPICS[random.nextInt(TOPICS.length)];
      Node producer = add(caller, caller.service, Scope.KAFKA, Span.SpanKind.SPAN_KIND_PRODUCER,
          topic + " publish");
      producer.topic = topic;
      producer.after = micros(200, 800);
      int consumerService = 1 + random.nextInt(Emitter.SERVICES.length - 1);
      Node consumer = add(producer, consumerService, Scope.KAFKA,
          Span.SpanKind.SPAN_KIND_CONSUMER, topic + " process");
      consumer.topic = topic;
      consumer.async = true;
      consumer.before = micros(100, 500);
      consumer.after = micros(200, 2_000);
      callers.add(consumer);
    }

    private void externalCall(Node caller) {
      String[] external = EXTERNALS[random.nextInt(EXTERNALS.length)];
      Node n = add(caller, caller.service, Scope.HTTP_CLIENT, Span.SpanKind.SPAN_KIND_CLIENT,
          external[2]);
      n.external = external;
      n.method = external[2];
      n.after = micros(5_000, 15_000);
      n.leaf = true;
    }

    /** Lays out start and end times: children run one after another, consumers afterwards. */
    long schedule(Node n, long start) {
      n.start = start;
      long t = start + n.before;
      for (Node child : n.children) {
        if (!child.async) {
          t = schedule(child, t + micros(10, 100));
        }
      }
      n.end = t + n.after;
      for (Node child : n.children) {
        if (child.async) {
          schedule(child, n.end + micros(500, 3_000));
        }
      }
      return n.end;
    }

    /** Stretches one database or external call by 2.1 to 2.9 s, and everything around it. */
    void slowDown() {
      List<Node> leaves = new ArrayList<>();
      for (Node n : nodes) {
        if (n.leaf) {
          leaves.add(n);
        }
      }
      Node slow = leaves.isEmpty() ? nodes.get(nodes.size() - 1)
          : leaves.get(random.nextInt(leaves.size()));
      slow.after += 2_100_000_000L + random.nextInt(800) * 1_000_000L;
      schedule(root, 0);
    }

    /** One server span (or call) fails; its caller and the root fail with it. */
    void fail() {
      List<Node> servers = new ArrayList<>();
      for (Node n : nodes) {
        if (n != root && (n.kind == Span.SpanKind.SPAN_KIND_SERVER || n.leaf)) {
          servers.add(n);
        }
      }
      Node failing = servers.isEmpty() ? root : servers.get(random.nextInt(servers.size()));
      failing.exception = true;
      for (Node n = failing; n != null; n = n.parent) {
        if (n == failing || n == root || n.kind == Span.SpanKind.SPAN_KIND_CLIENT
            && n.children.contains(failing)) {
          n.error = true;
        }
      }
      root.error = true;
    }
  }

  /** One span while the tree is built. */
  private final class Node {
    final byte[] spanId;
    final Node parent;
    final Emitter emitter;
    final int service;
    final Span.SpanKind kind;
    final String name;
    final List<Node> children = new ArrayList<>(2);
    long before;
    long after;
    long start;
    long end;
    boolean async;
    boolean leaf;
    boolean error;
    boolean ok;
    boolean exception;
    boolean priority;
    String method;
    String route;
    int peer = -1;
    String database;
    String[] statement;
    String[] external;
    String topic;

    Node(byte[] spanId, Node parent, Emitter emitter, int service, Span.SpanKind kind,
        String name) {
      this.spanId = spanId;
      this.parent = parent;
      this.emitter = emitter;
      this.service = service;
      this.kind = kind;
      this.name = name;
    }

    Span toSpan(ByteString traceId, long traceStartUnixNano) {
      Span.Builder s = Span.newBuilder()
          .setTraceId(traceId)
          .setSpanId(ByteString.copyFrom(spanId))
          .setName(name)
          .setKind(kind)
          .setStartTimeUnixNano(traceStartUnixNano + start)
          .setEndTimeUnixNano(traceStartUnixNano + end)
          .setFlags(0x301); // sampled, parent-is-remote known
      if (parent != null) {
        s.setParentSpanId(ByteString.copyFrom(parent.spanId));
      }
      if (error) {
        s.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage(exception ? "upstream returned 503" : "downstream call failed"));
      } else if (ok) {
        s.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
      }
      List<Object> kv = attributes();
      for (int i = 0; i < kv.size(); i += 2) {
        s.addAttributes(attribute((String) kv.get(i), kv.get(i + 1)));
      }
      if (exception) {
        s.addEvents(Span.Event.newBuilder()
            .setName("exception")
            .setTimeUnixNano(traceStartUnixNano + end - 1_000)
            .addAttributes(attribute("exception.type", "java.lang.IllegalStateException"))
            .addAttributes(attribute("exception.message", "upstream returned 503"))
            .addAttributes(attribute("exception.stacktrace", STACK_TRACE)));
      }
      return s.build();
    }

    /** 8 to 15 attributes: the kind's essential ones first, then optional ones. */
    private List<Object> attributes() {
      List<Object> kv = new ArrayList<>(32);
      String self = Emitter.SERVICES[service];
      String thread = "http-nio-8080-exec-" + (1 + random.nextInt(200));
      long threadId = 30 + random.nextInt(300);
      int limit = 8 + random.nextInt(8);
      if (parent == null) {
        limit = 8 + random.nextInt(7); // leaves room for sampling.priority
        String status = error ? "500" : "200";
        add(kv, "http.request.method", method, "http.route", route,
            "url.path", route.replace("{id}", Integer.toString(random.nextInt(100_000))),
            "http.response.status_code", Long.parseLong(status),
            "user.tier", random.nextInt(10) == 0 ? "gold" : "standard",
            "url.scheme", "https", "server.address", "shop.example.com", "server.port", 443L,
            "client.address", ip(), "user_agent.original", route.startsWith("/api")
                ? USER_AGENTS[random.nextInt(3)] : USER_AGENTS[3],
            "network.protocol.version", "2", "thread.name", thread, "thread.id", threadId,
            "http.request.header.x-request-id", Long.toHexString(random.nextLong()),
            "session.id", Long.toHexString(random.nextLong()));
      } else if (kind == Span.SpanKind.SPAN_KIND_SERVER) {
        add(kv, "http.request.method", method, "http.route", route,
            "url.path", route.replace("{id}", Integer.toString(random.nextInt(100_000)))
                .replace("{sku}", "SKU-" + random.nextInt(10_000)),
            "url.scheme", "http", "http.response.status_code", error ? 500L : 200L,
            "server.address", self, "server.port", 8080L, "network.protocol.version", "1.1",
            "client.address", ip(), "user_agent.original", "Java-http-client/17.0.15",
            "network.peer.address", ip(), "network.peer.port", 40_000L + random.nextInt(20_000),
            "thread.name", thread, "thread.id", threadId,
            "http.request.body.size", (long) random.nextInt(4_000));
      } else if (database != null) {
        boolean redis = database.equals("redis");
        add(kv, "db.system", database, "db.operation.name", statement[0],
            "db.namespace", redis ? "0" : "shop", "db.collection.name", statement[1],
            "db.query.text", statement[2], "server.address", database + ".shop.svc",
            "server.port", redis ? 6379L : 5432L, "network.peer.address", ip(),
            "network.peer.port", redis ? 6379L : 5432L,
            "db.response.returned_rows", (long) random.nextInt(50),
            "thread.name", thread, "thread.id", threadId,
            "db.client.connection.pool.name", "HikariPool-1",
            "db.client.connection.state", "used", "db.statement.cached", random.nextBoolean());
      } else if (external != null) {
        add(kv, "http.request.method", external[2], "url.full",
            "https://" + external[1] + external[3], "server.address", external[1],
            "server.port", 443L, "peer.service", external[0],
            "http.response.status_code", error ? 503L : 200L, "url.scheme", "https",
            "network.protocol.version", "2", "network.peer.address", ip(),
            "thread.name", thread, "thread.id", threadId, "http.resend_count", 0L,
            "http.request.body.size", (long) random.nextInt(2_000),
            "http.response.body.size", (long) random.nextInt(8_000),
            "user_agent.original", "Stripe/v1 JavaBindings/26.1.0");
      } else if (kind == Span.SpanKind.SPAN_KIND_CLIENT) {
        String callee = Emitter.SERVICES[peer];
        add(kv, "http.request.method", method, "url.full", "http://" + callee + ":8080"
                + route.replace("{id}", Integer.toString(random.nextInt(100_000)))
                    .replace("{sku}", "SKU-" + random.nextInt(10_000)),
            "server.address", callee, "server.port", 8080L, "peer.service", callee,
            "http.response.status_code", error ? 500L : 200L,
            "network.protocol.version", "1.1", "network.peer.address", ip(),
            "network.peer.port", 8080L, "thread.name", thread, "thread.id", threadId,
            "http.resend_count", 0L, "url.scheme", "http",
            "http.request.body.size", (long) random.nextInt(4_000),
            "user_agent.original", "Java-http-client/17.0.15");
      } else if (topic != null) {
        boolean producer = kind == Span.SpanKind.SPAN_KIND_PRODUCER;
        add(kv, "messaging.system", "kafka", "messaging.destination.name", topic,
            "messaging.operation.type", producer ? "send" : "process",
            "messaging.operation.name", producer ? "publish" : "process",
            "messaging.kafka.message.key", Long.toHexString(random.nextLong()),
            "messaging.destination.partition.id", Integer.toString(random.nextInt(12)),
            "messaging.client.id", (producer ? "producer-" : "consumer-") + self + "-1",
            "messaging.message.body.size", (long) random.nextInt(2_000),
            "messaging.kafka.offset", (long) random.nextInt(50_000_000),
            "server.address", "kafka-0.kafka.shop.svc", "server.port", 9092L,
            "thread.name", producer ? thread : "kafka-consumer-" + topic, "thread.id", threadId,
            "messaging.consumer.group.name", self, "messaging.kafka.message.tombstone", false);
      } else {
        add(kv, "code.function.name", name.substring(name.indexOf('.') + 1),
            "code.namespace", "shop." + self + "." + name.substring(0, name.indexOf('.')),
            "code.file.path", name.substring(0, name.indexOf('.')) + ".java",
            "code.line.number", 20L + random.nextInt(400), "thread.name", thread,
            "thread.id", threadId, "app.items.count", (long) random.nextInt(30),
            "app.cache.hit", random.nextBoolean(), "app.tenant.id", "tenant-"
                + random.nextInt(50), "app.feature.flag", "new-pricing",
            "app.retry.count", 0L, "app.region", "eu-west-1",
            "app.shard", (long) random.nextInt(16), "app.score", random.nextDouble(),
            "app.version", "2024.11.3");
      }
      while (kv.size() > 2 * limit) {
        kv.remove(kv.size() - 1);
      }
      if (priority) {
        add(kv, "sampling.priority", 1L);
      }
      return kv;
    }

    private String ip() {
      return "10.0." + random.nextInt(64) + "." + random.nextInt(256);
    }
  }

  private static void add(List<Object> kv, Object... keysAndValues) {
    for (Object o : keysAndValues) {
      kv.add(o);
    }
  }
}
