package io.tailstream.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {

  static ExportTraceServiceRequest parse(byte[] bytes) {
    try {
      return ExportTraceServiceRequest.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void childrenEndBeforeTheirRootAndEveryTraceHasOneRoot() {
    TraceFactory factory = new TraceFactory(new java.util.Random(1));
    for (int i = 0; i < 2_000; i++) {
      TraceFactory.GeneratedTrace t = factory.next(1_000_000_000_000L);
      List<Span> roots = t.spans().stream().map(TraceFactory.GeneratedSpan::span)
          .filter(s -> s.getParentSpanId().isEmpty()).toList();
      assertThat(roots).hasSize(1);
      Span root = roots.get(0);
      for (TraceFactory.GeneratedSpan s : t.spans()) {
        assertThat(s.span().getEndTimeUnixNano()).isGreaterThan(s.span().getStartTimeUnixNano());
        if (s.span() != root && !s.span().getName().endsWith("process")) {
          assertThat(s.span().getEndTimeUnixNano()).isLessThanOrEqualTo(root.getEndTimeUnixNano());
        }
      }
    }
  }

  @Test
  void mixesTheTraceClassesInRealisticShares() {
    TraceFactory factory = new TraceFactory(new java.util.Random(2));
    Map<TraceFactory.TraceClass, Integer> counts = new HashMap<>();
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      TraceFactory.GeneratedTrace t = factory.next(1_000_000_000_000L);
      counts.merge(t.traceClass(), 1, Integer::sum);
      boolean hasError = t.spans().stream().anyMatch(s -> s.span().getStatus().getCode()
          == Status.StatusCode.STATUS_CODE_ERROR);
      assertThat(hasError).isEqualTo(t.traceClass() == TraceFactory.TraceClass.ERROR);
      long start = t.spans().stream().mapToLong(s -> s.span().getStartTimeUnixNano()).min()
          .orElseThrow();
      long end = t.spans().stream().mapToLong(s -> s.span().getEndTimeUnixNano()).max()
          .orElseThrow();
      assertThat(end - start > 2_000_000_000L)
          .isEqualTo(t.traceClass() == TraceFactory.TraceClass.SLOW);
    }
    assertThat(counts.get(TraceFactory.TraceClass.ERROR) / (double) n).isBetween(0.015, 0.025);
    assertThat(counts.get(TraceFactory.TraceClass.HEALTH_CHECK) / (double) n)
        .isBetween(0.09, 0.11);
  }

  @Test
  void spreadsTracesOverSeveralRecordsWithManyTracesPerRecord() throws Exception {
    List<ExportTraceServiceRequest> records = new ArrayList<>();
    AtomicLong fakeNanos = new AtomicLong();
    TrafficGenerator generator = new TrafficGenerator(
        new TrafficGenerator.Settings(500, Duration.ofSeconds(4), 3, Duration.ofSeconds(1)),
        bytes -> records.add(parse(bytes)),
        fakeNanos::get, () -> fakeNanos.addAndGet(TrafficGenerator.TICK.toNanos()));
    generator.run();
    Map<String, Integer> recordsPerTrace = new HashMap<>();
    int multiTraceRecords = 0;
    long spans = 0;
    for (ExportTraceServiceRequest r : records) {
      java.util.Set<String> traces = new java.util.HashSet<>();
      r.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss ->
          ss.getSpansList().forEach(s ->
              traces.add(HexFormat.of().formatHex(s.getTraceId().toByteArray())))));
      spans += r.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
          .mapToLong(ss -> ss.getSpansCount()).sum();
      traces.forEach(t -> recordsPerTrace.merge(t, 1, Integer::sum));
      if (traces.size() > 1) {
        multiTraceRecords++;
      }
    }
    assertThat(generator.stats().traces()).isEqualTo(recordsPerTrace.size());
    assertThat(generator.stats().spans()).isEqualTo(spans);
    assertThat(multiTraceRecords).isGreaterThan(records.size() / 2);
    assertThat(recordsPerTrace.values().stream().filter(n -> n > 1).count())
        .isGreaterThan(recordsPerTrace.size() / 4);
    assertThat(generator.stats().lateSpans()).isPositive();
  }
}
