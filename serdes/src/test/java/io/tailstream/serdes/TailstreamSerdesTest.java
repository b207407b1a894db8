package io.tailstream.serdes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tailstream.serdes.avro.CompletionReason;
import io.tailstream.serdes.avro.CorruptDecisionRecordException;
import io.tailstream.serdes.avro.Decision;
import io.tailstream.serdes.avro.TraceDecision;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class TailstreamSerdesTest {

  @Test
  void traceDecisionSerdeRoundTripsRecordsAndNulls() {
    TraceDecision decision =
        TraceDecision.newBuilder()
            .setTraceId("4bf92f3577b34da6a3ce929d0e0e4736")
            .setRootService("checkout")
            .setRootName("POST /checkout")
            .setStartTimeUnixNano(1L)
            .setDurationNanos(2L)
            .setSpanCount(3)
            .setErrorCount(1)
            .setDecision(Decision.KEEP)
            .setRule("errors")
            .setSampleRate(1.0)
            .setCompletionReason(CompletionReason.IDLE)
            .setDecidedAt(Instant.ofEpochMilli(1_700_000_000_000L))
            .build();

    try (Serde<TraceDecision> serde = TailstreamSerdes.traceDecision()) {
      byte[] bytes = serde.serializer().serialize("trace_decisions", decision);

      assertThat(bytes[0]).isEqualTo((byte) 0xC3);
      assertThat(serde.deserializer().deserialize("trace_decisions", bytes)).isEqualTo(decision);
      assertThat(serde.serializer().serialize("trace_decisions", null)).isNull();
      assertThat(serde.deserializer().deserialize("trace_decisions", null)).isNull();
      assertThatThrownBy(() -> serde.deserializer().deserialize("trace_decisions", new byte[] {1}))
          .isExactlyInstanceOf(CorruptDecisionRecordException.class);
    }
  }
}
