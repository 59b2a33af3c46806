package dev.sluice.subscribe;

import dev.sluice.config.SubscriptionsConfig.RetryPolicy;
import java.util.function.DoubleSupplier;

/**
 * Exponential back-off with full jitter (the "Full Jitter" of AWS's Exponential Backoff and Jitter):
 * after the n-th failed attempt, wait a random time in [0, min(max-delay, initial × multiplier^(n-1))].
 * A sink's {@code Retry-After} wins when it asks for longer, up to the policy's cap.
 */
public final class Backoff {

  private final RetryPolicy policy;
  private final DoubleSupplier random;

  /** @param random uniform in [0, 1) */
  public Backoff(RetryPolicy policy, DoubleSupplier random) {
    this.policy = policy;
    this.random = random;
  }

  /** The ceiling of the wait after attempt {@code attempt} (1-based) failed. */
  public long ceilingMs(int attempt) {
    double c = policy.initialMs() * Math.pow(policy.multiplier(), Math.max(0, attempt - 1));
    return (long) Math.min(policy.maxDelayMs(), c);
  }

  /** How long to wait after attempt {@code attempt} failed, the sink having asked for {@code retryAfterMs}. */
  public long delayMs(int attempt, long retryAfterMs) {
    long jittered = (long) (random.getAsDouble() * (ceilingMs(attempt) + 1));
    long asked = Math.min(Math.max(0, retryAfterMs), policy.retryAfterCapMs());
    return Math.max(jittered, asked);
  }

  /** Whether attempt {@code attempt} was the last one allowed. */
  public boolean exhausted(int attempt) {
    return attempt >= policy.maxAttempts();
  }
}
