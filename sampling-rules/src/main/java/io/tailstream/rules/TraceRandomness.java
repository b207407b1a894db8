package io.tailstream.rules;

import java.util.Optional;

/**
 * The 56-bit randomness value R of a trace, as the OpenTelemetry "TraceState: Probability
 * Sampling" specification defines it: an explicit {@code ot=rv:} value when a span carries one,
 * otherwise the lowest 56 bits of the trace ID.
 */
final class TraceRandomness {

  private static final int RANDOM_BYTES = 7;
  private static final int RV_HEX_DIGITS = 14;

  private TraceRandomness() {}

  /** Returns R: the root span's explicit rv, else any span's, else the trace ID's last 7 bytes. */
  static long of(TraceView trace) {
    Optional<SpanView> root = trace.root();
    if (root.isPresent()) {
      long explicit = explicitRandomness(root.get().traceState());
      if (explicit >= 0) {
        return explicit;
      }
    }
    for (SpanView span : trace.spans()) {
      long explicit = explicitRandomness(span.traceState());
      if (explicit >= 0) {
        return explicit;
      }
    }
    return fromTraceId(trace.traceId());
  }

  /** The lowest 56 bits of a trace ID, read big-endian. */
  static long fromTraceId(byte[] traceId) {
    long randomness = 0;
    for (int i = Math.max(0, traceId.length - RANDOM_BYTES); i < traceId.length; i++) {
      randomness = (randomness << 8) | (traceId[i] & 0xff);
    }
    return randomness;
  }

  /**
   * Returns the {@code rv} sub-key of the {@code ot} entry of a W3C tracestate, or -1 if there is
   * none or it is not 14 lowercase hex digits.
   */
  static long explicitRandomness(String traceState) {
    if (traceState.isEmpty()) {
      return -1;
    }
    for (String member : traceState.split(",")) {
      String entry = member.strip();
      if (!entry.startsWith("ot=")) {
        continue;
      }
      for (String subKey : entry.substring(3).split(";")) {
        if (subKey.startsWith("rv:")) {
          return parseRandomness(subKey.substring(3));
        }
      }
      return -1;
    }
    return -1;
  }

  private static long parseRandomness(String hex) {
    if (hex.length() != RV_HEX_DIGITS) {
      return -1;
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return -1;
      }
    }
    return Long.parseLong(hex, 16);
  }
}
