package io.tailstream.rules;

import java.util.List;

/**
 * The {@code redact:} section of a rules file: which attribute keys and values are removed,
 * masked or hashed before a kept trace is stored.
 *
 * <pre>{@code
 * redact:
 *   - name: emails
 *     keys: ["user.email", "enduser.*"]
 *     action: hash
 *   - name: bearer-tokens
 *     values: "Bearer [A-Za-z0-9._-]+"
 *     action: { mask: "Bearer ***" }
 * }</pre>
 *
 * <p>Entries apply in file order, and the first entry that matches an attribute handles it. An
 * entry matches an attribute whose key is one of its {@code keys} (exact names or globs with
 * {@code *} and {@code ?}) and whose value contains a match of its {@code values} regex; an
 * entry with only one of the two checks only that one. See {@link Redactor} for what each action
 * does.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Redaction {

  /** No redaction entries. */
  public static final Redaction NONE = new Redaction(List.of());

  private final List<RedactionEntry> entries;
  private final List<String> entryNames;

  Redaction(List<RedactionEntry> entries) {
    this.entries = List.copyOf(entries);
    this.entryNames = this.entries.stream().map(RedactionEntry::name).toList();
  }

  /** Returns true when the section is absent or empty. */
  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Returns the entry names, in file order; they tag the redaction metrics. */
  public List<String> entryNames() {
    return entryNames;
  }

  /** Returns true when an entry hashes, so that {@link #redactor} needs a hash key. */
  public boolean usesHash() {
    return firstHashingEntry() != null;
  }

  /**
   * Returns the redactor that applies these entries.
   *
   * @param hashKey the secret key of the HMAC-SHA256 behind {@code hash}; copied. It may be null
   *     when no entry hashes. Keep it stable: a new key changes every hash, so hashed values no
   *     longer join with earlier ones
   * @return the redactor; for an empty section it returns its input without parsing it
   * @throws IllegalArgumentException if an entry hashes and {@code hashKey} is null or empty
   */
  public Redactor redactor(byte[] hashKey) {
    RedactionEntry hashing = firstHashingEntry();
    if (hashing != null && (hashKey == null || hashKey.length == 0)) {
      throw new IllegalArgumentException(
          "redact entry '" + hashing.name() + "' hashes values but no hash key is configured");
    }
    return new Redactor(entries, hashing != null ? hashKey.clone() : null);
  }

  private RedactionEntry firstHashingEntry() {
    for (RedactionEntry entry : entries) {
      if (entry.action() == RedactionEntry.Action.HASH) {
        return entry;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "Redaction{entries=" + entryNames + '}';
  }
}
