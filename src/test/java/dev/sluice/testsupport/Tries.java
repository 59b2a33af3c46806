package dev.sluice.testsupport;

import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Property tests on plain JUnit 5: {@code @TestFactory Stream<DynamicTest> p() { return Tries.of("p", 1500,
 * r -> ...); }} runs the property {@code tries} times, each with its own {@code new Random(seed)}. The seeds
 * come from a base seed (fixed, so every run checks the same inputs; {@code -Dsluice.props.seed=N} picks
 * another) and the property's name. A failing try names its seed and the base seed in its message so
 * that the run can be replayed; {@code -Dsluice.props.try-seed=S} runs only the try of seed {@code S}.
 */
public final class Tries {

  /** The base seed when {@code sluice.props.seed} is not set. */
  public static final long DEFAULT_SEED = 0x5111CE13L;

  private Tries() {}

  /** The base seed of this run. */
  public static long baseSeed() {
    return Long.getLong("sluice.props.seed", DEFAULT_SEED);
  }

  /** {@code tries} dynamic tests of {@code property}, named by their seed. */
  public static Stream<DynamicTest> of(String property, int tries, Consumer<Random> check) {
    long base = baseSeed();
    Long only = Long.getLong("sluice.props.try-seed");
    if (only != null) {
      return Stream.of(DynamicTest.dynamicTest("seed " + only, () -> run(property, base, -1, only, check)));
    }
    SplittableRandom seeds = new SplittableRandom(base ^ property.hashCode());
    long[] all = seeds.longs(tries).toArray();
    return java.util.stream.IntStream.range(0, tries).mapToObj(i -> DynamicTest.dynamicTest("seed " + all[i],
        () -> run(property, base, i, all[i], check)));
  }

  private static void run(String property, long base, int index, long seed, Consumer<Random> check) {
    try {
      check.accept(new Random(seed));
    } catch (Throwable t) {
      throw new AssertionError(property + " failed on try " + index + " with seed " + seed + " (base seed " + base
          + "; replay: -Dsluice.props.seed=" + base + " or -Dsluice.props.try-seed=" + seed + "): " + t, t);
    }
  }
}
