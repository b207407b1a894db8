package io.tailstream.emit;

import io.tailstream.ingest.DeadLetterHeaders;
import io.tailstream.metrics.SamplerMetrics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every sampled record fit the producer's {@code max.request.size}. A kept trace (or a batch
 * of late spans) larger than one part is written as several records with the same key, each a
 * valid OTLP {@code TracesData} holding some of the spans and the header {@value #PART_HEADER}
 * {@code = "i/n"}. A single span too large for a record on its own cannot be written anywhere
 * whole (the dead-letter topic has the same producer limit): it goes to the dead-letter topic
 * without its attributes, events and links, with headers saying so, and is counted and logged.
 * Decision records pass unchanged.
 */
public final class SampledRecordSplitter implements Processor<String, Emitted, String, Emitted> {
  /**
   * Header on each record of a kept trace that was split: {@code "i/n"} in UTF-8, the 1-based
   * part number and the number of parts, for example {@code "2/3"}. Records that were not split
   * have no such header.
   */
  public static final String PART_HEADER = "tailstream.part";

  /**
   * Bytes of {@code max.request.size} left for everything in a produce request but the value:
   * the record batch header (61 bytes), the record's own framing, the 32-byte key and the part
   * header need about 150; the rest is margin.
   */
  public static final int RECORD_OVERHEAD_BYTES = 1024;

  private static final Logger LOG = LoggerFactory.getLogger(SampledRecordSplitter.class);
  /** Log the first oversized span at WARN, the rest at DEBUG, per process. */
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final int maxRequestSize;
  private final int maxPartBytes;
  private final String sampledTopic;
  private final SamplerMetrics metrics;
  private ProcessorContext<String, Emitted> context;

  /**
   * @param maxRequestSize the producer's effective {@code max.request.size}, in bytes; more than
   *     {@link #RECORD_OVERHEAD_BYTES}
   * @param sampledTopic the topic kept traces go to, named in dead-letter headers
   */
  public SampledRecordSplitter(int maxRequestSize, String sampledTopic, SamplerMetrics metrics) {
    this.maxRequestSize = maxRequestSize;
    this.maxPartBytes = maxPartBytes(maxRequestSize);
    this.sampledTopic = sampledTopic;
    this.metrics = metrics;
  }

  /**
   * The largest record value written to the sampled topic.
   *
   * @throws IllegalArgumentException if {@code maxRequestSize} leaves no room for a value
   */
  public static int maxPartBytes(int maxRequestSize) {
    if (maxRequestSize <= RECORD_OVERHEAD_BYTES) {
      throw new IllegalArgumentException("max.request.size was " + maxRequestSize
          + " but it must be more than " + RECORD_OVERHEAD_BYTES);
    }
    return maxRequestSize - RECORD_OVERHEAD_BYTES;
  }

  @Override
  public void init(ProcessorContext<String, Emitted> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, Emitted> record) {
    Emitted value = record.value();
    if (!value.isSampled() || value.value().length <= maxPartBytes) {
      context.forward(record);
      return;
    }
    TraceParts.Split split = TraceParts.split(value.value(), maxPartBytes);
    List<byte[]> parts = split.parts();
    for (int i = 0; i < parts.size(); i++) {
      Headers headers = new RecordHeaders(record.headers().toArray());
      headers.remove(PART_HEADER);
      headers.add(PART_HEADER, ((i + 1) + "/" + parts.size()).getBytes(StandardCharsets.UTF_8));
      context.forward(record.withValue(Emitted.sampled(parts.get(i))).withHeaders(headers));
    }
    metrics.sampledRecordSplit(parts.size());
    for (TraceParts.OversizedSpan span : split.oversized()) {
      deadLetter(record, span);
    }
  }

  private void deadLetter(Record<String, Emitted> record, TraceParts.OversizedSpan span) {
    metrics.oversizedSpanDeadLettered();
    String message = "span " + span.spanIdHex() + " of kept trace " + record.key() + " is "
        + span.encodedBytes() + " bytes on its own, more than the " + maxPartBytes
        + " bytes one record of " + sampledTopic + " may hold (max.request.size " + maxRequestSize
        + " minus " + RECORD_OVERHEAD_BYTES + "); this record holds it without its attributes,"
        + " events and links";
    if (WARNED.compareAndSet(false, true)) {
      LOG.warn("Sending a kept span to the dead-letter topic: {} (further ones are logged at "
          + "DEBUG)", message);
    } else {
      LOG.debug("Sending a kept span to the dead-letter topic: {}", message);
    }
    Headers headers = new RecordHeaders();
    put(headers, DeadLetterHeaders.EXCEPTION, RecordTooLargeException.class.getName());
    put(headers, DeadLetterHeaders.MESSAGE, message);
    // Not an input record: name the topic it could not be written to; it has no offset.
    put(headers, DeadLetterHeaders.TOPIC, sampledTopic);
    put(headers, DeadLetterHeaders.PARTITION, "-1");
    put(headers, DeadLetterHeaders.OFFSET, "-1");
    context.forward(record.withValue(Emitted.deadLetter(span.summary())).withHeaders(headers));
  }

  private static void put(Headers headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
