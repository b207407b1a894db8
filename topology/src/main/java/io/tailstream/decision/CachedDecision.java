package io.tailstream.decision;

import io.tailstream.rules.Decision;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A trace's decision as the decision cache keeps it, so that late spans follow it. Layout:
 * {@code version:1 | kept:1 | ruleLength:2 | rule | thresholdLength:2 | threshold |
 * sampleRate:8}, with a threshold length of 0xffff for none. Version 1 entries, written before
 * the sample rate was kept, still decode, with a sample rate of 1.
 *
 * @param sampleRate the keep probability the deciding rule applied
 */
public record CachedDecision(boolean kept, String rule, String otThreshold, double sampleRate) {
  private static final byte VERSION_1 = 1;
  private static final byte VERSION = 2;
  private static final int NO_THRESHOLD = 0xffff;

  static CachedDecision of(Decision d) {
    return new CachedDecision(d.kept(), d.rule(), d.otThreshold(), d.sampleRate());
  }

  byte[] encode() {
    byte[] ruleBytes = rule.getBytes(StandardCharsets.UTF_8);
    byte[] th = otThreshold == null ? new byte[0] : otThreshold.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 1 + 2 + ruleBytes.length + 2 + th.length + 8)
        .put(VERSION)
        .put((byte) (kept ? 1 : 0))
        .putShort((short) ruleBytes.length)
        .put(ruleBytes)
        .putShort((short) (otThreshold == null ? NO_THRESHOLD : th.length))
        .put(th)
        .putDouble(sampleRate);
    return b.array();
  }

  static CachedDecision decode(byte[] encoded) {
    ByteBuffer b = ByteBuffer.wrap(encoded);
    byte version = b.get();
    if (version != VERSION && version != VERSION_1) {
      throw new IllegalArgumentException("unknown cached decision version " + version);
    }
    boolean kept = b.get() == 1;
    byte[] rule = new byte[Short.toUnsignedInt(b.getShort())];
    b.get(rule);
    int thLength = Short.toUnsignedInt(b.getShort());
    String th = null;
    if (thLength != NO_THRESHOLD) {
      byte[] thBytes = new byte[thLength];
      b.get(thBytes);
      th = new String(thBytes, StandardCharsets.UTF_8);
    }
    double sampleRate = version == VERSION ? b.getDouble() : 1.0;
    return new CachedDecision(kept, new String(rule, StandardCharsets.UTF_8), th, sampleRate);
  }
}
