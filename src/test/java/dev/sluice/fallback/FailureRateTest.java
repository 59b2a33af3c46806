package dev.sluice.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailureRateTest {

  @Test
  void everyOtherCallFailingOpensAtHalf() {
    FailureRate w = new FailureRate(10_000, 20, 0.5);
    boolean open = false;
    for (int i = 0; i < 40 && !open; i++) {
      open = w.record(i % 2 == 1, 1_000 + i * 10L);
    }
    assertThat(open).as("50%% failures, interleaved with successes").isTrue();
  }

  @Test
  void staysClosedBelowTheThresholdOrTheMinimumCalls() {
    FailureRate w = new FailureRate(10_000, 20, 0.5);
    for (int i = 0; i < 100; i++) {
      assertThat(w.record(i % 3 == 0, 1_000 + i)).as("a third failing, call %d", i).isFalse();
    }
    FailureRate few = new FailureRate(10_000, 20, 0.5);
    for (int i = 0; i < 19; i++) {
      assertThat(few.record(true, 1_000 + i)).as("only %d calls", i + 1).isFalse();
    }
  }

  @Test
  void failuresOlderThanTheWindowAreForgotten() {
    FailureRate w = new FailureRate(5_000, 10, 0.5);
    for (int i = 0; i < 9; i++) {
      w.record(true, 1_000);
    }
    assertThat(w.rate(1_000)).isEqualTo(1.0);
    assertThat(w.rate(6_500)).as("5.5 s later").isZero();
    assertThat(w.record(true, 6_500)).as("one failure in a fresh window").isFalse();
  }

  @Test
  void aSlidingWindowKeepsTheRecentSeconds() {
    FailureRate w = new FailureRate(3_000, 4, 0.5);
    w.record(true, 1_000);
    w.record(true, 2_000);
    w.record(false, 3_000);
    assertThat(w.rate(3_500)).isEqualTo(2.0 / 3);
    assertThat(w.rate(4_000)).as("the bucket of second 1 left the window").isEqualTo(0.5);
  }
}
