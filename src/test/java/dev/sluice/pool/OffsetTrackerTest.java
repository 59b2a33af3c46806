package dev.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  @Test
  void commitsOnlyUpToTheFirstOffsetNotDone() {
    OffsetTracker t = new OffsetTracker();
    for (long o = 10; o < 15; o++) {
      t.take(o);
    }
    t.done(12);
    t.done(11);
    assertThat(t.committable()).isEqualTo(-1);
    t.done(10);
    assertThat(t.committable()).isEqualTo(13);
    assertThat(t.inFlight()).isEqualTo(2);
    t.markCommitted(13);
    assertThat(t.committable()).isEqualTo(-1);
    t.done(14);
    assertThat(t.committable()).isEqualTo(-1);
    t.done(13);
    assertThat(t.committable()).isEqualTo(15);
    assertThat(t.inFlight()).isZero();
  }

  @Test
  void handlesGapsInOffsets() {
    OffsetTracker t = new OffsetTracker();
    t.take(5);
    t.take(9); // e.g. compacted or transaction markers in between
    t.done(9);
    assertThat(t.committable()).isEqualTo(-1);
    t.done(5);
    assertThat(t.committable()).isEqualTo(10);
  }

  @Test
  void ignoresUnknownAndRepeatedOffsets() {
    OffsetTracker t = new OffsetTracker();
    t.take(1);
    t.done(0);
    t.done(1);
    t.done(1);
    assertThat(t.position()).isEqualTo(2);
    assertThat(t.inFlight()).isZero();
  }

  @Test
  void aFailedCommitIsOfferedAgain() {
    OffsetTracker t = new OffsetTracker();
    t.take(0);
    t.done(0);
    t.markCommitted(1);
    t.unmarkCommitted(1);
    assertThat(t.committable()).isEqualTo(1);
  }

  @Test
  void refusesAnOffsetNotAboveTheLastTakenAndStaysAsItWas() {
    OffsetTracker t = new OffsetTracker();
    t.take(3);
    t.take(4);
    t.take(4); // refused: taken already
    t.take(1); // refused: the partition's position went back
    assertThat(t.inFlight()).isEqualTo(2);
    t.done(4);
    assertThat(t.committable()).isEqualTo(-1);
    t.done(3);
    assertThat(t.committable()).isEqualTo(5);
    t.take(5);
    assertThat(t.inFlight()).isEqualTo(1);
  }
}
