package io.tailstream.rules;

import dev.cel.common.types.CelType;
import dev.cel.common.values.StructValue;

/**
 * A CEL struct backed by a read-only view, whose fields subclasses read on selection. Two values
 * are equal when they wrap the very same view.
 *
 * @param <V> the subclass itself
 */
abstract class ViewStruct<V extends ViewStruct<V>> extends StructValue<String, V> {
  private final Object view;
  private final CelType type;

  ViewStruct(Object view, CelType type) {
    this.view = view;
    this.type = type;
  }

  /**
   * Returns this value itself: the planner unwraps every {@code CelValue} it resolves, and
   * unwrapping to ourselves keeps it selectable without a custom converter or a copy of the
   * {@code spans} list on every access.
   */
  @Override
  @SuppressWarnings("unchecked")
  public final V value() {
    return (V) this;
  }

  @Override
  public final boolean isZeroValue() {
    return false;
  }

  @Override
  public final CelType celType() {
    return type;
  }

  @Override
  public final boolean equals(Object other) {
    return other != null && other.getClass() == getClass() && ((ViewStruct<?>) other).view == view;
  }

  @Override
  public final int hashCode() {
    return System.identityHashCode(view);
  }
}
