package io.tailstream.rules;

/** Told how many attributes each redact entry changed, to count them per entry. */
@FunctionalInterface
public interface RedactionCounter {

  /**
   * Called by {@link Redactor#apply} once for each entry that changed at least one attribute, on
   * the calling thread, after the whole input was redacted.
   *
   * @param entry the entry's name, one of {@link Redaction#entryNames()}
   * @param attributes how many attributes it removed, masked or hashed in this call; at least 1
   */
  void redacted(String entry, int attributes);
}
