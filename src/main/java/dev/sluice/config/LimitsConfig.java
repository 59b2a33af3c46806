package dev.sluice.config;

/** The process-wide in-flight bounds and how 503s ask clients to come back. */
public record LimitsConfig(long maxInFlightEvents, long maxInFlightBytes, int retryAfterSeconds) {

  public LimitsConfig {
    Check.atLeast("limits.max-in-flight-events", maxInFlightEvents, 1);
    Check.atLeast("limits.max-in-flight-bytes", maxInFlightBytes, 1024);
    Check.atLeast("limits.retry-after-seconds", retryAfterSeconds, 1);
  }
}
