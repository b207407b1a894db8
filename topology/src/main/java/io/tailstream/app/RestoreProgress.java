package io.tailstream.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows and counts state restoration: how many changelog records this instance read back into
 * its stores ({@code tailstream.state.restored}), with a log line when a store starts and ends
 * restoring. A task that moves to an instance with an up-to-date standby restores little; one
 * that moves to an instance without state restores its whole changelog.
 */
final class RestoreProgress implements StateRestoreListener {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreProgress.class);

  private final Counter restored;

  RestoreProgress(MeterRegistry registry) {
    this.restored = Counter.builder("tailstream.state.restored")
        .description("Changelog records read back into the local state stores")
        .register(registry);
  }

  @Override
  public void onRestoreStart(TopicPartition partition, String store, long startOffset,
      long endOffset) {
    LOG.info("Restoring {} from {}: offsets {} to {} ({} records)", store, partition,
        startOffset, endOffset, Math.max(0, endOffset - startOffset));
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset,
      long numRestored) {
    restored.increment(numRestored);
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    LOG.info("Restored {} from {}: {} records", store, partition, totalRestored);
  }
}
