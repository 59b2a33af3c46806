package dev.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionPausesTest {

  private final PartitionPauses<String> pauses = new PartitionPauses<>(10, 100);
  private final Map<String, Integer> inFlight = new HashMap<>(Map.of("p0", 0, "p1", 0));

  private java.util.Set<String> desired(int process, boolean stopping) {
    return pauses.desired(List.of("p0", "p1"), p -> inFlight.getOrDefault(p, 0), process, stopping);
  }

  @Test
  void pausesAPartitionAtItsHighMarkAndResumesAtHalf() {
    inFlight.put("p0", 10);
    assertThat(desired(10, false)).containsExactly("p0");
    inFlight.put("p0", 6);
    assertThat(desired(6, false)).containsExactly("p0");
    inFlight.put("p0", 5);
    assertThat(desired(5, false)).isEmpty();
  }

  @Test
  void pausesEverythingAtTheProcessBoundUntilHalf() {
    assertThat(desired(100, false)).containsExactlyInAnyOrder("p0", "p1");
    assertThat(desired(51, false)).containsExactlyInAnyOrder("p0", "p1");
    assertThat(desired(50, false)).isEmpty();
  }

  @Test
  void pausesEverythingWhileStoppingAndKeepsPausesAcrossARebalance() {
    assertThat(desired(0, true)).containsExactlyInAnyOrder("p0", "p1");
    inFlight.put("p1", 12);
    assertThat(desired(12, false)).containsExactly("p1");
    // rebalance: p1 kept, p2 new; p1 is still over its bound and is paused again
    assertThat(pauses.desired(List.of("p1", "p2"), p -> inFlight.getOrDefault(p, 0), 12, false))
        .containsExactly("p1");
    pauses.forget("p1");
    inFlight.put("p1", 7);
    assertThat(pauses.desired(List.of("p1", "p2"), p -> inFlight.getOrDefault(p, 0), 7, false)).isEmpty();
  }
}
