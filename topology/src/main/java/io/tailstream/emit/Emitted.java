package io.tailstream.emit;

import java.util.Objects;

/**
 * A record on its way out of the assembly processor: a kept trace (or late spans of one) for the
 * sampled topic, a decision record for the decisions topic, or a kept span too large for any
 * output record, for the dead-letter topic. The key is the hex trace ID.
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
    DECISION,
    /** OTLP {@code TracesData} of one span that fits no record, for {@code topics.dead-letter}. */
    DEAD_LETTER
  }

  public static Emitted sampled(byte[] tracesData) {
    return new Emitted(Kind.SAMPLED, tracesData);
  }

  public static Emitted decision(byte[] avro) {
    return new Emitted(Kind.DECISION, avro);
  }

  public static Emitted deadLetter(byte[] tracesData) {
    return new Emitted(Kind.DEAD_LETTER, tracesData);
  }

  public boolean isSampled() {
    return kind == Kind.SAMPLED;
  }

  public boolean isDeadLetter() {
    return kind == Kind.DEAD_LETTER;
  }
}
