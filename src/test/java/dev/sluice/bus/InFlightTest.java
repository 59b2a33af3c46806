package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InFlightTest {

  @Test
  void refusesWhatDoesNotFitAndTakesNothingThen() {
    InFlight f = new InFlight(10, 100);
    assertThat(f.tryAcquireEvents(7)).isTrue();
    assertThat(f.tryAcquireEvents(4)).isFalse();
    assertThat(f.events()).isEqualTo(7);
    assertThat(f.tryAcquireEvents(3)).isTrue();
    f.releaseEvents(10);
    assertThat(f.tryAcquireBytes(101)).isFalse();
    assertThat(f.tryAcquireBytes(100)).isTrue();
    f.releaseBytes(100);
    assertThat(f.isIdle()).isTrue();
  }

  @Test
  void neverOvercommitsUnderContention() {
    InFlight f = new InFlight(1000, 1);
    AtomicInteger granted = new AtomicInteger();
    IntStream.range(0, 8).parallel().forEach(t -> {
      for (int i = 0; i < 10_000; i++) {
        if (f.tryAcquireEvents(3)) {
          granted.incrementAndGet();
        }
      }
    });
    assertThat(granted.get()).isEqualTo(333);
    assertThat(f.events()).isEqualTo(999);
  }
}
