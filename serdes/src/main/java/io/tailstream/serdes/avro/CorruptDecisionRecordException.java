package io.tailstream.serdes.avro;

/**
 * Thrown when bytes cannot be decoded as a single-object encoded {@link TraceDecision}. The message
 * says why: too short, wrong marker, unknown schema fingerprint, truncated or malformed body, or
 * trailing bytes.
 */
public final class CorruptDecisionRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CorruptDecisionRecordException(String message) {
    super(message);
  }

  CorruptDecisionRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
