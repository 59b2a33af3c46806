package dev.sluice.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SetsTest {

  @Test
  void namesWhatIsMissingInExpectedOrder() {
    assertThat(Sets.missing(List.of("a", "b", "c", "d"), List.of("c", "a"))).containsExactly("b", "d");
    assertThat(Sets.missing(List.of("a", "a"), Set.of())).containsExactly("a");
  }

  @Test
  void nothingMissingWhenActualHoldsMore() {
    assertThat(Sets.missing(List.of("a"), Set.of("a", "b"))).isEmpty();
    assertThat(Sets.missing(List.of(), List.of("a"))).isEmpty();
  }

  @Test
  void fiftyThousandIdsInLinearTime() {
    Set<String> ids = IntStream.range(0, 50_000).mapToObj(i -> "id-" + i).collect(Collectors.toSet());
    Set<String> held = new HashSet<>(ids);
    held.remove("id-49999");
    long t0 = System.nanoTime();
    assertThat(Sets.missing(ids, held)).containsExactly("id-49999");
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms").isLessThan(2000);
  }
}
