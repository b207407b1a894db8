package io.tailstream.serdes.otlp;

import java.util.Arrays;

/** A growable list of primitive ints, so that walkers record positions without boxing. */
final class IntList {
  private int[] values;
  private int size;

  IntList(int initialCapacity) {
    values = new int[initialCapacity];
  }

  void add(int value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, Math.max(8, size * 2));
    }
    values[size++] = value;
  }

  int get(int index) {
    if (index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " but size " + size);
    }
    return values[index];
  }

  void set(int index, int value) {
    if (index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " but size " + size);
    }
    values[index] = value;
  }

  int size() {
    return size;
  }

  void clear() {
    size = 0;
  }
}
