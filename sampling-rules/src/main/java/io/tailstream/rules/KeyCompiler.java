package io.tailstream.rules;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelTypes;

/**
 * Compiles the {@code key} expression of a {@code limit} or {@code adaptive} action, such as
 * {@code root.service + " " + root.name}, in the same environment as {@code when}.
 */
final class KeyCompiler {

  private KeyCompiler() {}

  /** Compiles a key expression, which must be of type string. */
  static WhenCompiler.Compiled compile(String expression) {
    return WhenCompiler.compile(expression, CelKind.STRING, type -> {
      String message = "'key' must be a string expression, but it is " + CelTypes.format(type);
      // Attribute values are dyn; the checker cannot know that one holds a string.
      return type.kind() == CelKind.DYN ? message + "; convert it with string(...)" : message;
    });
  }
}
