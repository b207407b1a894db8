package io.tailstream.rules;

import java.util.List;

/**
 * The {@code redact:} section of a rules file: which attribute keys and values are removed,
 * masked or hashed before a kept trace is stored.
 *
 * <p>Not implemented yet: every rules file has no redaction.
 */
public final class Redaction {

  /** No redaction entries. */
  public static final Redaction NONE = new Redaction();

  private Redaction() {}

  /** Returns true when the section is absent or empty. */
  public boolean isEmpty() {
    return true;
  }

  /** Returns the entry names, in file order. */
  public List<String> entryNames() {
    return List.of();
  }
}
