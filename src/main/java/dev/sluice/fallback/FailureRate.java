package dev.sluice.fallback;

/**
 * Outcomes of the last {@code windowMs}, in one-second buckets: "open" once at least {@code minCalls}
 * calls were made and at least {@code threshold} of them failed. A success does not wipe earlier
 * failures (what vertx-circuit-breaker's own count does, so that under mixed concurrent traffic a
 * broker failing every other call never opens it). Not thread-safe: one event loop.
 */
final class FailureRate {

  private final int buckets;
  private final long bucketMs;
  private final int minCalls;
  private final double threshold;
  private final int[] calls;
  private final int[] failures;
  private long currentBucket = Long.MIN_VALUE;

  FailureRate(long windowMs, int minCalls, double threshold) {
    if (windowMs < 1000 || minCalls < 1 || threshold <= 0 || threshold > 1) {
      throw new IllegalArgumentException("window >= 1000 ms, minCalls >= 1, 0 < threshold <= 1");
    }
    this.bucketMs = 1000;
    this.buckets = (int) (windowMs / bucketMs);
    this.minCalls = minCalls;
    this.threshold = threshold;
    this.calls = new int[buckets];
    this.failures = new int[buckets];
  }

  /** Records one outcome at {@code nowMs}; true when the window now says "open". */
  boolean record(boolean failed, long nowMs) {
    int i = advance(nowMs);
    calls[i]++;
    if (failed) {
      failures[i]++;
    }
    return tripped();
  }

  /** The failure rate in the window (0 when empty). */
  double rate(long nowMs) {
    advance(nowMs);
    int c = sum(calls);
    return c == 0 ? 0 : (double) sum(failures) / c;
  }

  /** Forgets everything (the breaker closed again). */
  void clear() {
    java.util.Arrays.fill(calls, 0);
    java.util.Arrays.fill(failures, 0);
  }

  private boolean tripped() {
    int c = sum(calls);
    return c >= minCalls && sum(failures) >= threshold * c;
  }

  /** Moves the window to {@code nowMs}, emptying the buckets it passed; returns the current bucket. */
  private int advance(long nowMs) {
    long b = Math.floorDiv(nowMs, bucketMs);
    if (currentBucket == Long.MIN_VALUE || b - currentBucket >= buckets) {
      clear();
    } else {
      for (long x = currentBucket + 1; x <= b; x++) {
        int i = Math.floorMod(x, buckets);
        calls[i] = 0;
        failures[i] = 0;
      }
    }
    if (b > currentBucket) {
      currentBucket = b;
    }
    return Math.floorMod(currentBucket, buckets);
  }

  private static int sum(int[] a) {
    int s = 0;
    for (int x : a) {
      s += x;
    }
    return s;
  }
}
