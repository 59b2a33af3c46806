package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A connection's delivery tags ({@link ConfirmingPublisher.Confirms#take}). */
class ConfirmsTest {

  @Test
  void growingTagsAreTaken() {
    ConfirmingPublisher.Confirms c = new ConfirmingPublisher.Confirms();
    assertThat(c.take(1)).isTrue();
    assertThat(c.take(2)).isTrue();
    assertThat(c.take(3)).isTrue();
  }

  @Test
  void onceATagStartsAgainNothingMoreOfTheConnectionIsTaken() {
    ConfirmingPublisher.Confirms c = new ConfirmingPublisher.Confirms();
    for (long t = 1; t <= 5; t++) {
      c.take(t);
    }
    assertThat(c.take(1)).as("a replacement channel's first tag").isFalse();
    assertThat(c.take(2)).isFalse();
    assertThat(c.take(6)).as("even past the old channel's last tag").isFalse();
  }
}
