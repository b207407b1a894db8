package io.tailstream.serdes.otlp;

/**
 * Thrown when an input record cannot be decoded as OTLP trace data: malformed or truncated
 * protobuf, invalid OTLP JSON, invalid span or trace IDs, or an empty record.
 *
 * <p>The message says what is wrong and where, for example {@code "truncated protobuf:
 * resource_spans[0].scope_spans[1].spans[3] ends past the end of the input"}. The whole record is
 * rejected; callers dead-letter its original bytes.
 */
public final class CorruptSpanDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CorruptSpanDataException(String message) {
    super(message);
  }

  CorruptSpanDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
