package io.tailstream.http;

import java.time.Instant;

/** Whether the brokers answer, as readiness reports it. */
public interface BrokerStatus {

  /** Whether the brokers answered the last question. */
  boolean reachable();

  /** When the brokers stopped answering, or null while they answer. */
  Instant unreachableSince();
}
