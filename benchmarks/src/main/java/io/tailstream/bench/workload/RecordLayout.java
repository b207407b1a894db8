package io.tailstream.bench.workload;

import com.google.protobuf.ByteString;
import io.tailstream.bench.workload.SyntheticTrace.EmittedSpan;
import io.tailstream.serdes.otlp.TraceIds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;

/** How export batches become input records. */
public enum RecordLayout {
  /**
   * One record per trace and batch, keyed by the trace ID in hex, on the partition Kafka's default
   * partitioner picks for that key: what the Collector's Kafka exporter sends with {@code
   * partition_traces_by_id}. Every span of a trace is on one partition.
   */
  BY_TRACE,
  /**
   * Records of up to {@value #MAX_SPANS_PER_RECORD} spans of many traces, with no key, spread
   * round-robin over the partitions: a trace's spans land on several partitions.
   */
  MIXED;

  /** The most spans in one {@link #MIXED} record. */
  public static final int MAX_SPANS_PER_RECORD = 512;

  /**
   * One input record.
   *
   * @param key the record key, or null
   * @param partition the partition to write it to
   * @param value a serialized {@code ExportTraceServiceRequest}
   * @param spans how many spans it holds
   */
  public record InputRecord(byte[] key, int partition, byte[] value, int spans) {}

  /** Turns export batches into records of this layout for a topic of {@code partitions}. */
  public Batcher batcher(int partitions) {
    return new Batcher(this, partitions, MAX_SPANS_PER_RECORD);
  }

  /** Turns export batches into records; not thread-safe. */
  public static final class Batcher {
    private final RecordLayout layout;
    private final int partitions;
    private final int maxSpansPerRecord;
    private int nextPartition;

    /**
     * @param maxSpansPerRecord the most spans in one {@link #MIXED} record
     */
    public Batcher(RecordLayout layout, int partitions, int maxSpansPerRecord) {
      if (partitions < 1 || maxSpansPerRecord < 1) {
        throw new IllegalArgumentException("partitions and spans per record must be positive");
      }
      this.layout = layout;
      this.partitions = partitions;
      this.maxSpansPerRecord = maxSpansPerRecord;
    }

    /** The records of one export batch. */
    public List<InputRecord> records(List<EmittedSpan> batch) {
      List<InputRecord> out = new ArrayList<>();
      if (layout == MIXED) {
        for (int from = 0; from < batch.size(); from += maxSpansPerRecord) {
          List<EmittedSpan> part = batch.subList(from, Math.min(batch.size(),
              from + maxSpansPerRecord));
          out.add(new InputRecord(null, nextPartition, OtlpRecords.request(part).toByteArray(),
              part.size()));
          nextPartition = (nextPartition + 1) % partitions;
        }
        return out;
      }
      Map<ByteString, List<EmittedSpan>> byTrace = new LinkedHashMap<>();
      for (EmittedSpan s : batch) {
        byTrace.computeIfAbsent(s.span().getTraceId(), id -> new ArrayList<>()).add(s);
      }
      byTrace.forEach((traceId, spans) -> {
        byte[] key = TraceIds.toHex(traceId.toByteArray()).getBytes(StandardCharsets.UTF_8);
        out.add(new InputRecord(key, Utils.toPositive(Utils.murmur2(key)) % partitions,
            OtlpRecords.request(spans).toByteArray(), spans.size()));
      });
      return out;
    }
  }
}
