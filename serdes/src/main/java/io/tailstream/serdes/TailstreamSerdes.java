package io.tailstream.serdes;

import io.tailstream.serdes.avro.TraceDecision;
import io.tailstream.serdes.avro.TraceDecisionCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serdes for Tailstream's own record formats. */
public final class TailstreamSerdes {
  private TailstreamSerdes() {}

  /**
   * A serde for the decisions topic: {@link TraceDecision} in Avro single-object encoding (see
   * {@link TraceDecisionCodec}). Null values stay null. Deserializing corrupt bytes throws {@link
   * io.tailstream.serdes.avro.CorruptDecisionRecordException}.
   */
  public static Serde<TraceDecision> traceDecision() {
    Serializer<TraceDecision> serializer =
        (topic, decision) -> decision == null ? null : TraceDecisionCodec.encode(decision);
    Deserializer<TraceDecision> deserializer =
        (topic, bytes) -> bytes == null ? null : TraceDecisionCodec.decode(bytes);
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
