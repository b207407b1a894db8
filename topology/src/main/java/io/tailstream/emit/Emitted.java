package io.tailstream.emit;

import java.util.Objects;

/**
 * A record on its way out of the assembly processor: a kept trace (or late spans of one) for the
 * sampled topic, or a decision record for the decisions topic. The key is the hex trace ID.
 */
public record Emitted(Kind kind, byte[] value) {
  public Emitted {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
  }

  /** Which output topic a record goes to. */
  public enum Kind {
    /** OTLP {@code TracesData} for {@code topics.sampled}. */
    SAMPLED,
    /** Avro {@code TraceDecision} for {@code topics.decisions}. */
    DECISION
  }

  public static Emitted sampled(byte[] tracesData) {
    return new Emitted(Kind.SAMPLED, tracesData);
  }

  public static Emitted decision(byte[] avro) {
    return new Emitted(Kind.DECISION, avro);
  }

  public boolean isSampled() {
    return kind == Kind.SAMPLED;
  }
}
