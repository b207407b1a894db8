package io.tailstream.serdes.otlp;

/** Lowercase hex encoding of IDs, with decoding errors that say what is wrong. */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();
  private static final int MAX_QUOTED_LENGTH = 64;

  private Hex() {}

  static String encode(byte[] bytes) {
    char[] chars = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      chars[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      chars[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(chars);
  }

  /**
   * Decodes exactly {@code byteLength} bytes from hex digits of either case.
   *
   * @param what names the value in the exception message, for example "trace ID"
   * @throws IllegalArgumentException if {@code hex} has another length or a non-hex character
   */
  static byte[] decode(String hex, int byteLength, String what) {
    if (hex.length() != byteLength * 2) {
      throw new IllegalArgumentException(
          what
              + " must be "
              + byteLength * 2
              + " hex digits, but it has "
              + hex.length()
              + ": "
              + quote(hex));
    }
    byte[] bytes = new byte[byteLength];
    for (int i = 0; i < byteLength; i++) {
      int high = digit(hex, 2 * i, what);
      int low = digit(hex, 2 * i + 1, what);
      bytes[i] = (byte) ((high << 4) | low);
    }
    return bytes;
  }

  private static int digit(String hex, int index, String what) {
    char c = hex.charAt(index);
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    throw new IllegalArgumentException(
        what + " has a non-hex character '" + c + "' at index " + index + ": " + quote(hex));
  }

  private static String quote(String value) {
    return value.length() <= MAX_QUOTED_LENGTH
        ? '"' + value + '"'
        : '"' + value.substring(0, MAX_QUOTED_LENGTH) + "...\" (" + value.length() + " characters)";
  }
}
