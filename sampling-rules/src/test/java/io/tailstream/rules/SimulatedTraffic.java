package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.span;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends traces to a rule set at steady rates on a simulated clock, for the tests of {@code limit}
 * and {@code adaptive}.
 *
 * <pre>{@code
 * SimulatedTraffic traffic = new SimulatedTraffic();
 * RuleSet rules = traffic.rules(yaml);
 * List<Sent> second = traffic.second(rules, Map.of("checkout", 1000));
 * assertThat(SimulatedTraffic.kept(second, "checkout")).isEqualTo(50);
 * }</pre>
 *
 * <p>Each trace has the service as its root's service and a random trace ID from a fixed seed, so
 * that runs are repeatable.
 */
final class SimulatedTraffic {

  /** The nano clock's first value: arbitrary, as {@link System#nanoTime} values are. */
  static final long START_NANOS = 7_000_000_000_000L;

  private static final long NANOS_PER_SECOND = Duration.ofSeconds(1).toNanos();

  private final AtomicLong nanos;
  private final SplittableRandom random = new SplittableRandom(20_240_601);
  private volatile double budgetShare = 1.0;

  SimulatedTraffic() {
    this(START_NANOS);
  }

  SimulatedTraffic(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  /** A trace sent and how the rules decided it. */
  record Sent(String service, TraceView trace, Decision decision) {}

  /** Parses rules whose actions run on this clock and budget share, with the default key bound. */
  RuleSet rules(String yaml) {
    return rules(yaml, RuleContext.DEFAULT_MAX_KEYS_PER_RULE);
  }

  /** Parses rules whose actions run on this clock and budget share. */
  RuleSet rules(String yaml, int maxKeysPerRule) {
    try {
      return RuleSet.parse(
          yaml, "rules.yaml", new RuleContext(nanos::get, () -> budgetShare, maxKeysPerRule));
    } catch (RuleValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  void budgetShare(double share) {
    this.budgetShare = share;
  }

  void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  /** Returns a trace whose root has this service, with a new random trace ID. */
  TraceView trace(String service) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return TestTraces.trace()
        .traceId(HexFormat.of().formatHex(id))
        .span(span(service, "GET /"))
        .view();
  }

  /** Sends one trace now. */
  Sent send(RuleSet rules, String service) {
    TraceView trace = trace(service);
    return new Sent(service, trace, rules.evaluate(trace));
  }

  /**
   * Sends one second of traffic and leaves the clock one second later. Each service sends its
   * rate of traces evenly spread over the second, the first at its start; services that send at
   * the same moment go in name order.
   *
   * @param perSecondByService traces per second of each service
   * @return the traces in the order sent
   */
  List<Sent> second(RuleSet rules, Map<String, Integer> perSecondByService) {
    record Arrival(long offset, String service) {}
    List<Arrival> arrivals = new ArrayList<>();
    perSecondByService.forEach(
        (service, perSecond) -> {
          for (int i = 0; i < perSecond; i++) {
            arrivals.add(new Arrival(i * NANOS_PER_SECOND / perSecond, service));
          }
        });
    // Ties go by service name, so that the order does not depend on the map's.
    arrivals.sort(Comparator.comparingLong(Arrival::offset).thenComparing(Arrival::service));
    long start = nanos.get();
    List<Sent> sent = new ArrayList<>(arrivals.size());
    for (Arrival arrival : arrivals) {
      nanos.set(start + arrival.offset());
      sent.add(send(rules, arrival.service()));
    }
    nanos.set(start + NANOS_PER_SECOND);
    return sent;
  }

  /** Sends {@code seconds} seconds of the same traffic; returns the traces kept of each second. */
  List<Map<String, Integer>> seconds(
      RuleSet rules, int seconds, Map<String, Integer> perSecondByService) {
    List<Map<String, Integer>> kept = new ArrayList<>(seconds);
    for (int i = 0; i < seconds; i++) {
      List<Sent> second = second(rules, perSecondByService);
      Map<String, Integer> keptByService = new LinkedHashMap<>();
      for (String service : perSecondByService.keySet()) {
        keptByService.put(service, kept(second, service));
      }
      kept.add(keptByService);
    }
    return kept;
  }

  /** Counts the kept traces of a service. */
  static int kept(List<Sent> sent, String service) {
    int kept = 0;
    for (Sent trace : sent) {
      if (trace.service().equals(service) && trace.decision().kept()) {
        kept++;
      }
    }
    return kept;
  }

  /** Returns the decision of the last trace of a service. */
  static Decision last(List<Sent> sent, String service) {
    for (int i = sent.size() - 1; i >= 0; i--) {
      if (sent.get(i).service().equals(service)) {
        return sent.get(i).decision();
      }
    }
    throw new AssertionError("no trace of " + service + " was sent");
  }
}
