package io.tailstream.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyTrafficTest {

  private static final long SECOND = 1_000_000_000L;
  /** An arbitrary, negative start: nano clocks may have any origin. */
  private static final long START = -5 * SECOND;

  private final KeyTraffic traffic = new KeyTraffic();

  @Test
  void countsTheArrivalsSoFarDuringTheFirstInterval() {
    arrive(3, START, SECOND / 10);

    assertThat(traffic.perSecond()).isEqualTo(3.0);
  }

  @Test
  void averagesIntervalsWithWeightOneHalf() {
    arrive(10, START, SECOND / 10);
    arrive(30, START + SECOND, SECOND / 30);

    traffic.arrive(START + 2 * SECOND);

    // The first interval starts the average; the second moves it half way.
    assertThat(traffic.perSecond()).isEqualTo(10 + (30 - 10) * KeyTraffic.WEIGHT);
  }

  @Test
  void decaysOverIntervalsWithoutArrivals() {
    arrive(100, START, SECOND / 100);

    traffic.arrive(START + 4 * SECOND + SECOND / 2);

    // Intervals 2, 3 and 4 had no arrival.
    assertThat(traffic.perSecond()).isEqualTo(100 * 0.5 * 0.5 * 0.5);
  }

  @Test
  void capsABurstWithinTheIntervalInWhichItStarts() {
    arrive(10, START, SECOND / 10);
    arrive(10, START + SECOND, SECOND / 10);

    arrive(500, START + 2 * SECOND, SECOND / 1000);

    assertThat(traffic.perSecond()).isEqualTo(500.0);
  }

  @Test
  void becomesIdleAMinuteAfterTheLastArrival() {
    assertThat(traffic.isIdle(START + 3600 * SECOND)).isFalse();
    traffic.arrive(START);

    assertThat(traffic.isIdle(START + KeyTraffic.IDLE_NANOS - 1)).isFalse();
    assertThat(traffic.isIdle(START + KeyTraffic.IDLE_NANOS)).isTrue();
  }

  @Test
  void refusesArrivalsOnceEvicted() {
    assertThat(traffic.arrive(START)).isTrue();

    traffic.evict();

    assertThat(traffic.arrive(START + 1)).isFalse();
  }

  private void arrive(int count, long from, long every) {
    for (int i = 0; i < count; i++) {
      assertThat(traffic.arrive(from + i * every)).isTrue();
    }
  }
}
