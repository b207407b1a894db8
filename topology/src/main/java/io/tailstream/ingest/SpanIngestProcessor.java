package io.tailstream.ingest;

import io.tailstream.assembly.Fragments;
import io.tailstream.config.TailstreamConfig.InputEncoding;
import io.tailstream.metrics.SamplerMetrics;
import io.tailstream.serdes.otlp.CorruptSpanDataException;
import io.tailstream.serdes.otlp.OtlpJson;
import io.tailstream.serdes.otlp.TraceFragment;
import io.tailstream.serdes.otlp.TraceSplitter;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes each input record as OTLP and splits it into one fragment per trace, keyed by the
 * 16-byte trace ID. A record that cannot be decoded becomes one dead letter carrying its original
 * key, value and headers plus error headers; processing goes on.
 */
public final class SpanIngestProcessor implements Processor<byte[], byte[], Bytes, Ingested> {
  private static final Logger LOG = LoggerFactory.getLogger(SpanIngestProcessor.class);
  /** Log the first bad record at WARN, the rest at DEBUG, per process. */
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final InputEncoding encoding;
  private final SamplerMetrics metrics;
  private ProcessorContext<Bytes, Ingested> context;

  public SpanIngestProcessor(InputEncoding encoding, SamplerMetrics metrics) {
    this.encoding = encoding;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Bytes, Ingested> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    byte[] value = record.value();
    List<TraceFragment> fragments;
    try {
      // Empty and null values are rejected by the decoders as "empty record".
      byte[] input = value == null ? new byte[0] : value;
      byte[] proto = encoding == InputEncoding.OTLP_JSON ? OtlpJson.toProto(input) : input;
      fragments = TraceSplitter.split(proto);
    } catch (CorruptSpanDataException e) {
      deadLetter(record, e, value == null || value.length == 0 ? "empty" : "corrupt");
      return;
    }
    int spans = 0;
    for (TraceFragment f : fragments) {
      spans += f.spanCount();
      byte[] encoded = Fragments.encode(f);
      // Fresh headers: input headers describe the whole record, not one trace's fragment.
      context.forward(new Record<>(Bytes.wrap(f.traceId()), (Ingested) new Ingested.Fragment(encoded),
          record.timestamp(), new RecordHeaders()));
    }
    metrics.recordReceived(spans);
  }

  private void deadLetter(Record<byte[], byte[]> record, Exception error, String reason) {
    metrics.recordReceived(0);
    metrics.deadLettered(reason);
    String topic = "unknown";
    int partition = -1;
    long offset = -1;
    if (context.recordMetadata().isPresent()) {
      RecordMetadata m = context.recordMetadata().get();
      topic = m.topic();
      partition = m.partition();
      offset = m.offset();
    }
    if (WARNED.compareAndSet(false, true)) {
      LOG.warn("Sending undecodable record {}-{}@{} to the dead-letter topic: {} "
          + "(further ones are logged at DEBUG)", topic, partition, offset, error.getMessage());
    } else {
      LOG.debug("Sending undecodable record {}-{}@{} to the dead-letter topic: {}",
          topic, partition, offset, error.getMessage());
    }
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    DeadLetterHeaders.add(headers, error, topic, partition, offset);
    byte[] key = record.key();
    context.forward(new Record<>(key == null ? null : Bytes.wrap(key),
        (Ingested) new Ingested.DeadLetter(record.value()), record.timestamp(), headers));
  }
}
