package io.tailstream.serdes.otlp;

import static io.tailstream.serdes.otlp.TestTraces.allSpans;
import static io.tailstream.serdes.otlp.TestTraces.referenceSplit;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@link TraceSplitter#split}, with protobuf-java as the oracle.
 *
 * <p>{@code ./mvnw verify} runs it on the seeds in {@code TraceSplitterFuzzTestInputs}, then fuzzes
 * it for a bounded time in its own surefire execution (see this module's pom).
 */
class TraceSplitterFuzzTest {

  /**
   * The splitter either rejects a record with {@link CorruptSpanDataException} or splits it
   * exactly as protobuf-java reads it; it rejects exactly the records that protobuf-java cannot
   * parse or that have a span with invalid IDs. Any other throwable, a timeout or an
   * out-of-memory error is a finding.
   */
  @FuzzTest(maxDuration = "12s")
  @Timeout(10)
  void splitsAsProtobufJavaReadsOrRejectsAsCorrupt(byte[] record) {
    List<TraceFragment> fragments;
    try {
      fragments = TraceSplitter.split(record);
    } catch (CorruptSpanDataException e) {
      assertThat(e.getMessage()).isNotBlank();
      assertThat(record.length == 0 || protobufRejects(record) || hasSpanWithInvalidIds(record))
          .as("rejected a record that protobuf-java parses, with valid IDs: %s", e.getMessage())
          .isTrue();
      return;
    }

    TracesData tracesData = parse(record);
    ExportTraceServiceRequest request = parseRequest(record);
    List<Span> spans = allSpans(tracesData);
    assertThat(countSpans(request)).isEqualTo(spans.size());
    assertThat(fragments.stream().mapToInt(TraceFragment::spanCount).sum())
        .as("spans in all fragments")
        .isEqualTo(spans.size());

    Map<ByteString, TracesData> expected = referenceSplit(tracesData);
    assertThat(fragments.stream().map(f -> ByteString.copyFrom(f.traceId())))
        .containsExactlyElementsOf(expected.keySet());
    for (TraceFragment fragment : fragments) {
      TracesData actual = parse(fragment.tracesData());
      assertThat(actual).isEqualTo(expected.get(ByteString.copyFrom(fragment.traceId())));
      assertSummaryMatches(fragment, allSpans(actual));
    }
  }

  private static void assertSummaryMatches(TraceFragment fragment, List<Span> spans) {
    long roots = spans.stream().filter(s -> s.getParentSpanId().isEmpty()).count();
    long errors =
        spans.stream()
            .filter(s -> s.getStatus().getCodeValue() == Status.StatusCode.STATUS_CODE_ERROR_VALUE)
            .count();
    List<Long> starts = new ArrayList<>();
    long maxEnd = 0;
    for (Span span : spans) {
      if (span.getStartTimeUnixNano() != 0) {
        starts.add(span.getStartTimeUnixNano());
      }
      if (Long.compareUnsigned(span.getEndTimeUnixNano(), maxEnd) > 0) {
        maxEnd = span.getEndTimeUnixNano();
      }
    }
    long minStart = starts.stream().min(Long::compareUnsigned).orElse(0L);
    assertThat(fragment.spanCount()).isEqualTo(spans.size());
    assertThat(fragment.rootSpanCount()).isEqualTo(roots);
    assertThat(fragment.errorCount()).isEqualTo(errors);
    assertThat(fragment.minStartUnixNano()).isEqualTo(minStart);
    assertThat(fragment.maxEndUnixNano()).isEqualTo(maxEnd);
  }

  private static boolean protobufRejects(byte[] record) {
    try {
      TracesData.parseFrom(record);
      return false;
    } catch (InvalidProtocolBufferException e) {
      return true;
    }
  }

  private static boolean hasSpanWithInvalidIds(byte[] record) {
    ByteString zeros = ByteString.copyFrom(new byte[TraceIds.BYTES]);
    for (Span span : allSpans(parse(record))) {
      boolean valid =
          span.getTraceId().size() == TraceIds.BYTES
              && !span.getTraceId().equals(zeros)
              && span.getSpanId().size() == TraceSplitter.SPAN_ID_BYTES
              && (span.getParentSpanId().isEmpty()
                  || span.getParentSpanId().size() == TraceSplitter.SPAN_ID_BYTES);
      if (!valid) {
        return true;
      }
    }
    return false;
  }

  private static TracesData parse(byte[] bytes) {
    try {
      return TracesData.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("protobuf-java rejects what split accepted or wrote", e);
    }
  }

  private static ExportTraceServiceRequest parseRequest(byte[] bytes) {
    try {
      return ExportTraceServiceRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("protobuf-java rejects as a request what split accepted", e);
    }
  }

  private static int countSpans(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream()
        .flatMap(r -> r.getScopeSpansList().stream())
        .mapToInt(ScopeSpans::getSpansCount)
        .sum();
  }
}
