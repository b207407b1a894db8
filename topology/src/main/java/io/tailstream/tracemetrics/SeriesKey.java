package io.tailstream.tracemetrics;

import java.util.Arrays;

/**
 * The attribute values that identify one series of a metric family, in the order of the family's
 * attribute names. A null value leaves that attribute out of the series. The overflow key stands
 * for every series beyond {@code metrics.max-series} and has only {@code otel.metric.overflow}.
 */
public final class SeriesKey {
  /** The one series that absorbs measurements once a family is full. */
  public static final SeriesKey OVERFLOW = new SeriesKey(new String[0], true);

  private final String[] values;
  private final boolean overflow;
  private final int hash;

  private SeriesKey(String[] values, boolean overflow) {
    this.values = values;
    this.overflow = overflow;
    this.hash = overflow ? -1 : Arrays.hashCode(values);
  }

  /** A key of these values; the array is kept, not copied. */
  public static SeriesKey of(String... values) {
    return new SeriesKey(values, false);
  }

  /** Whether this is the overflow series. */
  public boolean overflow() {
    return overflow;
  }

  /** The number of values; 0 for the overflow key. */
  public int size() {
    return values.length;
  }

  /** The value of the i-th attribute, or null when the series leaves it out. */
  public String value(int i) {
    return values[i];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeriesKey k && k.overflow == overflow && k.hash == hash
        && Arrays.equals(k.values, values);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return overflow ? "{otel.metric.overflow=true}" : Arrays.toString(values);
  }
}
