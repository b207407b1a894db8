package io.tailstream.generate;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Makes one synthetic trace of a multi-service shop: a frontend calling catalog, cart, checkout,
 * payment, inventory and shipping services, databases, a cache, an external payment provider and
 * a message queue. Spans come with realistic attributes, nested parent links, and children that
 * end before their parents.
 */
final class TraceFactory {
  /** The kinds of traces the generator mixes, with the share of each. */
  enum TraceClass {
    HEALTH_CHECK(0.10),
    ERROR(0.02),
    SLOW(0.01),
    PRIORITY(0.01),
    NORMAL(0.86);

    final double share;

    TraceClass(double share) {
      this.share = share;
    }
  }

  /** A span of a generated trace with the service that emitted it. */
  record GeneratedSpan(String service, Span span) {}

  /** A generated trace. Spans are in the order they end. */
  record GeneratedTrace(byte[] traceId, TraceClass traceClass, List<GeneratedSpan> spans) {}

  private static final String[] ROUTES = {"/api/products", "/api/checkout", "/api/cart"};

  private final Random random;

  TraceFactory(Random random) {
    this.random = random;
  }

  TraceClass pickClass() {
    double r = random.nextDouble();
    for (TraceClass c : TraceClass.values()) {
      if (r < c.share) {
        return c;
      }
      r -= c.share;
    }
    return TraceClass.NORMAL;
  }

  GeneratedTrace next(long startNanos) {
    return next(pickClass(), startNanos);
  }

  GeneratedTrace next(TraceClass traceClass, long startNanos) {
    byte[] traceId = new byte[16];
    random.nextBytes(traceId);
    traceId[0] |= 1; // never all zeros
    Builder b = new Builder(traceId, traceClass);
    if (traceClass == TraceClass.HEALTH_CHECK) {
      String route = random.nextBoolean() ? "/healthz" : "/readyz";
      b.span("frontend", "GET " + route, Span.SpanKind.SPAN_KIND_SERVER, null, startNanos,
          micros(200 + random.nextInt(800)), false, "http.route", route,
          "http.request.method", "GET", "http.response.status_code", 200L);
      return b.build();
    }
    String route = ROUTES[random.nextInt(ROUTES.length)];
    // The slow class stretches one call far enough to push the whole trace over 2 s.
    int slowCall = traceClass == TraceClass.SLOW ? random.nextInt(2) : -1;
    int errorCall = traceClass == TraceClass.ERROR ? random.nextInt(2) : -1;
    byte[] rootId = b.spanId();
    long t = startNanos + micros(100 + random.nextInt(300));
    int call = 0;
    switch (route) {
      case "/api/products":
        t = b.call(rootId, "frontend", "catalog", "GET /products", t, call == slowCall,
            call++ == errorCall, "postgresql", "SELECT products");
        t = b.call(rootId, "frontend", "recommendation", "GET /recommendations", t,
            call == slowCall, call++ == errorCall, "redis", "GET recs");
        break;
      case "/api/cart":
        t = b.call(rootId, "frontend", "cart", "GET /cart", t, call == slowCall,
            call++ == errorCall, "redis", "HGETALL cart");
        t = b.call(rootId, "frontend", "catalog", "GET /products", t, call == slowCall,
            call++ == errorCall, "postgresql", "SELECT products");
        break;
      default:
        t = b.call(rootId, "frontend", "checkout", "POST /checkout", t, call == slowCall,
            call++ == errorCall, "postgresql", "INSERT orders");
        t = b.call(rootId, "frontend", "payment", "POST /charge", t, call == slowCall,
            call++ == errorCall, null, null);
        t = b.external(rootId, "payment", "stripe", "POST /v1/charges", t);
        t = b.message(rootId, "checkout", "shipping", "orders", t);
        break;
    }
    long end = t + micros(100 + random.nextInt(400));
    List<Object> attrs = new ArrayList<>(List.of("http.route", route,
        "http.request.method", route.equals("/api/checkout") ? "POST" : "GET",
        "http.response.status_code", traceClass == TraceClass.ERROR ? 500L : 200L,
        "user.tier", random.nextInt(10) == 0 ? "gold" : "standard"));
    if (traceClass == TraceClass.PRIORITY) {
      attrs.add("sampling.priority");
      attrs.add(1L);
    }
    b.spanWithId(rootId, "frontend",
        (route.equals("/api/checkout") ? "POST " : "GET ") + route,
        Span.SpanKind.SPAN_KIND_SERVER, null, startNanos, end - startNanos,
        traceClass == TraceClass.ERROR, attrs.toArray());
    return b.build();
  }

  private static long micros(long n) {
    return n * 1_000L;
  }

  private long jitteredMicros(int base) {
    return micros(base + random.nextInt(base + 1));
  }

  /** Builds the spans of one trace. */
  private final class Builder {
    private final byte[] traceId;
    private final TraceClass traceClass;
    private final List<GeneratedSpan> spans = new ArrayList<>();

    Builder(byte[] traceId, TraceClass traceClass) {
      this.traceId = traceId;
      this.traceClass = traceClass;
    }

    byte[] spanId() {
      byte[] id = new byte[8];
      random.nextBytes(id);
      id[0] |= 1;
      return id;
    }

    /** A client span, the callee's server span and its database call; returns the end time. */
    long call(byte[] parent, String from, String to, String name, long start, boolean slow,
        boolean error, String dbSystem, String statement) {
      byte[] clientId = spanId();
      byte[] serverId = spanId();
      long serverStart = start + micros(50 + random.nextInt(150));
      long t = serverStart + jitteredMicros(200);
      if (dbSystem != null) {
        long dbDuration = slow ? 2_100_000_000L + random.nextInt(800) * 1_000_000L
            : jitteredMicros(dbSystem.equals("redis") ? 300 : 2_000);
        span(to, statement, Span.SpanKind.SPAN_KIND_CLIENT, serverId, t, dbDuration, false,
            "db.system", dbSystem, "db.statement", statement,
            "server.address", dbSystem + ".internal");
        t += dbDuration;
      } else if (slow) {
        t += 2_100_000_000L + random.nextInt(800) * 1_000_000L;
      }
      long serverEnd = t + jitteredMicros(300);
      spanWithId(serverId, to, name, Span.SpanKind.SPAN_KIND_SERVER, clientId, serverStart,
          serverEnd - serverStart, error, "http.route", name.substring(name.indexOf(' ') + 1),
          "http.response.status_code", error ? 500L : 200L);
      long clientEnd = serverEnd + micros(50 + random.nextInt(150));
      spanWithId(clientId, from, name, Span.SpanKind.SPAN_KIND_CLIENT, parent, start,
          clientEnd - start, error, "peer.service", to, "http.request.method",
          name.substring(0, name.indexOf(' ')));
      return clientEnd;
    }

    /** A call to an uninstrumented external service. */
    long external(byte[] parent, String from, String peer, String name, long start) {
      long duration = jitteredMicros(5_000);
      span(from, name, Span.SpanKind.SPAN_KIND_CLIENT, parent, start, duration, false,
          "peer.service", peer, "server.address", "api." + peer + ".com");
      return start + duration;
    }

    /** A message published by one service and consumed by another. */
    long message(byte[] parent, String producer, String consumer, String topic, long start) {
      byte[] producerId = spanId();
      long publish = jitteredMicros(400);
      spanWithId(producerId, producer, topic + " publish", Span.SpanKind.SPAN_KIND_PRODUCER,
          parent, start, publish, false, "messaging.system", "kafka", "messaging.destination.name", topic);
      long consumeStart = start + publish + jitteredMicros(1_000);
      span(consumer, topic + " process", Span.SpanKind.SPAN_KIND_CONSUMER, producerId,
          consumeStart, jitteredMicros(3_000), false, "messaging.system", "kafka",
          "messaging.destination.name", topic);
      return start + publish;
    }

    void span(String service, String name, Span.SpanKind kind, byte[] parent, long start,
        long duration, boolean error, Object... attributes) {
      spanWithId(spanId(), service, name, kind, parent, start, duration, error, attributes);
    }

    void spanWithId(byte[] id, String service, String name, Span.SpanKind kind, byte[] parent,
        long start, long duration, boolean error, Object... attributes) {
      Span.Builder s = Span.newBuilder()
          .setTraceId(ByteString.copyFrom(traceId))
          .setSpanId(ByteString.copyFrom(id))
          .setName(name)
          .setKind(kind)
          .setStartTimeUnixNano(start)
          .setEndTimeUnixNano(start + duration)
          .setStatus(Status.newBuilder().setCode(error
              ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET));
      if (parent != null) {
        s.setParentSpanId(ByteString.copyFrom(parent));
      }
      for (int i = 0; i < attributes.length; i += 2) {
        s.addAttributes(attribute((String) attributes[i], attributes[i + 1]));
      }
      spans.add(new GeneratedSpan(service, s.build()));
    }

    GeneratedTrace build() {
      spans.sort((a, b) -> Long.compare(a.span().getEndTimeUnixNano(),
          b.span().getEndTimeUnixNano()));
      return new GeneratedTrace(traceId, traceClass, List.copyOf(spans));
    }
  }

  static KeyValue attribute(String key, Object value) {
    AnyValue.Builder v = AnyValue.newBuilder();
    if (value instanceof Long) {
      v.setIntValue((Long) value);
    } else if (value instanceof Boolean) {
      v.setBoolValue((Boolean) value);
    } else if (value instanceof Double) {
      v.setDoubleValue((Double) value);
    } else {
      v.setStringValue(String.valueOf(value));
    }
    return KeyValue.newBuilder().setKey(key).setValue(v).build();
  }
}
