package io.tailstream.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecidedTraceFilterTest {
  static final long MINUTE = 60_000;
  static final long T0 = 1_790_000_000_000L;

  static byte[] id(long n) {
    return ByteBuffer.allocate(16).putLong(n * 0x9E3779B97F4A7C15L).putLong(n).array();
  }

  @Test
  void answersMaybeForEveryTraceAddedInTheWindowAndNoForNearlyAllOthers() {
    DecidedTraceFilter filter = new DecidedTraceFilter(30 * MINUTE);
    for (int i = 0; i < 50_000; i++) {
      filter.add(id(i), T0 + i);
    }
    long now = T0 + 50_000;
    for (int i = 0; i < 50_000; i++) {
      assertThat(filter.mightContain(id(i), now - 30 * MINUTE, now)).as("trace %d", i).isTrue();
    }
    int falsePositives = 0;
    for (int i = 50_000; i < 150_000; i++) {
      if (filter.mightContain(id(i), now - 30 * MINUTE, now)) {
        falsePositives++;
      }
    }
    // Filters of 16,000 (full, 1%), 32,000 (full, 0.5%) and 64,000 (2,000 in it): about 1.5%.
    assertThat(falsePositives).isBetween(100, 2_500);
  }

  @Test
  void growsByAddingLargerFiltersWithoutForgettingAnything() {
    DecidedTraceFilter filter = new DecidedTraceFilter(30 * MINUTE, 100);
    for (int i = 0; i < 10_000; i++) {
      filter.add(id(i), T0);
    }
    // 100, 200, 400, ..., 6,400: seven filters for 10,000 entries, not a hundred.
    assertThat(filter.filters()).isEqualTo(7);
    assertThat(filter.entries()).isEqualTo(10_000);
    for (int i = 0; i < 10_000; i++) {
      assertThat(filter.mightContain(id(i), T0, T0)).isTrue();
    }
  }

  @Test
  void onlyLooksAtTheSlicesOfTheWindowAskedAbout() {
    DecidedTraceFilter filter = new DecidedTraceFilter(30 * MINUTE);
    filter.add(id(1), T0);
    // A slice is half the retention; the trace lies in a slice wholly before this window.
    assertThat(filter.mightContain(id(1), T0 + 40 * MINUTE, T0 + 70 * MINUTE)).isFalse();
    assertThat(filter.mightContain(id(1), T0 - MINUTE, T0 + 29 * MINUTE)).isTrue();
  }

  @Test
  void dropsSlicesOnceTheyLieWhollyBeforeTheRetention() {
    DecidedTraceFilter filter = new DecidedTraceFilter(30 * MINUTE);
    filter.add(id(1), T0);
    filter.add(id(2), T0 + 20 * MINUTE);
    filter.expire(T0 + 30 * MINUTE);
    assertThat(filter.entries()).isEqualTo(2); // the first slice still overlaps the window
    filter.expire(T0 + 61 * MINUTE);
    assertThat(filter.entries()).isEqualTo(1);
    assertThat(filter.mightContain(id(2), T0 + 31 * MINUTE, T0 + 61 * MINUTE)).isTrue();
    filter.expire(T0 + 120 * MINUTE);
    assertThat(filter.entries()).isZero();
    assertThat(filter.filters()).isZero();
  }

  @Test
  void acceptsTimesOutOfOrderAsARestoreDelivers() {
    DecidedTraceFilter filter = new DecidedTraceFilter(30 * MINUTE);
    Random random = new Random(7);
    long[] times = new long[2_000];
    for (int i = 0; i < times.length; i++) {
      times[i] = T0 + random.nextInt((int) (30 * MINUTE));
      filter.add(id(i), times[i]);
    }
    for (int i = 0; i < times.length; i++) {
      assertThat(filter.mightContain(id(i), times[i] - MINUTE, times[i] + MINUTE)).isTrue();
    }
  }
}
