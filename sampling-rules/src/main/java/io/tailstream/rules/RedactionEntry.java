package io.tailstream.rules;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * One entry of the {@code redact:} section.
 *
 * @param name the entry's name, unique in the file; the tag of its metric
 * @param keys the attribute keys it applies to, or null for any key
 * @param values the regex that a string value must contain, or null for any value
 * @param action what happens to a matched attribute
 * @param replacement what {@link Action#MASK} writes; null for the other actions
 */
record RedactionEntry(
    String name, AttributeKeyMatcher keys, Pattern values, Action action, String replacement) {

  /** The default replacement of {@code mask}. */
  static final String DEFAULT_MASK = "[REDACTED]";

  /** What happens to a matched attribute. */
  enum Action {
    REMOVE,
    HASH,
    MASK
  }

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if the entry has neither keys nor values, or a replacement
   *     does not go with its action
   */
  RedactionEntry {
    requireNonNull(name, "name");
    requireNonNull(action, "action");
    if (keys == null && values == null) {
      throw new IllegalArgumentException("redact entry '" + name + "' needs keys, values or both");
    }
    if ((action == Action.MASK) != (replacement != null)) {
      throw new IllegalArgumentException("only a mask has a replacement, and it always has one");
    }
  }
}
