package io.tailstream.decision;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * The share of each {@code limit} and {@code adaptive} budget this instance enforces: the share
 * of the input partitions whose traces it decides. Every instance sees the traces of its own
 * partitions only, and trace IDs spread every key evenly over the partitions, so an instance
 * deciding k of P partitions sees k/P of each key's traffic and gets k/P of its budget. With the
 * partitions spread evenly that is N divided by the number of instances; when they are not, it is
 * still right, which a plain division by the instance count would not be.
 *
 * <p>The instance count is never configured: it follows from the Kafka Streams assignment, as
 * the assembly tasks start and stop here.
 */
public final class BudgetShare implements DoubleSupplier {
  private final AtomicInteger assigned = new AtomicInteger();
  private final int partitions;

  /**
   * @param partitions partitions of the input topic, or 0 when unknown, which makes the share 1
   */
  public BudgetShare(int partitions) {
    this.partitions = Math.max(0, partitions);
  }

  /** An assembly task started here. */
  public void taskStarted() {
    assigned.incrementAndGet();
  }

  /** An assembly task stopped here (closed, suspended or moved away). */
  public void taskStopped() {
    assigned.decrementAndGet();
  }

  /** Assembly tasks running here now. */
  public int assignedTasks() {
    return assigned.get();
  }

  /**
   * The share, in (0, 1]. Before any task runs it is 1/P rather than 0, so a decision made while
   * tasks move is never starved of budget; with P unknown it is 1.
   */
  @Override
  public double getAsDouble() {
    int p = partitions;
    if (p == 0) {
      return 1.0;
    }
    int k = assigned.get();
    return Math.min(1.0, Math.max(1, k) / (double) p);
  }
}
