package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When an unconfirmed publish counts as lost ({@link ConfirmingPublisher#overdue}). */
class ConfirmDeadlineTest {

  private static final long TIMEOUT = 30_000;

  @Test
  void aPublishIsOverdueOnlyOnceTheTimeoutPassed() {
    assertThat(ConfirmingPublisher.overdue(1_000, 30_999, TIMEOUT, false, 0)).isFalse();
    assertThat(ConfirmingPublisher.overdue(1_000, 31_000, TIMEOUT, false, 0)).isTrue();
  }

  @Test
  void neverWhileTheBrokerBlocksPublishers() {
    assertThat(ConfirmingPublisher.overdue(1_000, 1_000_000, TIMEOUT, true, 0)).isFalse();
  }

  @Test
  void theTimeoutStartsAgainWhenTheBrokerUnblocks() {
    // sent at 1 s, blocked until 50 s: not overdue before 80 s
    assertThat(ConfirmingPublisher.overdue(1_000, 79_999, TIMEOUT, false, 50_000)).isFalse();
    assertThat(ConfirmingPublisher.overdue(1_000, 80_000, TIMEOUT, false, 50_000)).isTrue();
  }

  @Test
  void anEarlierBlockDoesNotDelayALaterPublish() {
    assertThat(ConfirmingPublisher.overdue(60_000, 90_000, TIMEOUT, false, 50_000)).isTrue();
  }
}
