package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SubscriptionsConfig.RetryPolicy;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final RetryPolicy policy = new RetryPolicy(100, 2.0, 1000, 5, 3000);

  @Test
  void theCeilingGrowsExponentiallyUpToTheMaximum() {
    Backoff b = new Backoff(policy, () -> 0.5);
    assertThat(b.ceilingMs(1)).isEqualTo(100);
    assertThat(b.ceilingMs(2)).isEqualTo(200);
    assertThat(b.ceilingMs(4)).isEqualTo(800);
    assertThat(b.ceilingMs(5)).isEqualTo(1000);
    assertThat(b.ceilingMs(60)).isEqualTo(1000);
  }

  @Test
  void fullJitterSpansZeroToTheCeiling() {
    assertThat(new Backoff(policy, () -> 0.0).delayMs(3, 0)).isZero();
    assertThat(new Backoff(policy, () -> 0.999_999).delayMs(3, 0)).isEqualTo(400);
    assertThat(new Backoff(policy, () -> 0.5).delayMs(3, 0)).isEqualTo(200);
  }

  @Test
  void retryAfterWinsWhenLongerUpToItsCap() {
    Backoff b = new Backoff(policy, () -> 0.1);
    assertThat(b.delayMs(1, 2000)).isEqualTo(2000);
    assertThat(b.delayMs(1, 60_000)).as("capped").isEqualTo(3000);
    assertThat(new Backoff(policy, () -> 0.99).delayMs(5, 5)).as("shorter than the jitter").isGreaterThan(5);
  }

  @Test
  void theLastAttemptIsExhausted() {
    Backoff b = new Backoff(policy, () -> 0.5);
    assertThat(b.exhausted(4)).isFalse();
    assertThat(b.exhausted(5)).isTrue();
  }
}
