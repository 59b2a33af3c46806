package dev.sluice.config;

/**
 * A circuit breaker: it opens when at least {@code failureRatePercent} of the calls of the last {@code
 * windowMs} failed, over at least {@code minCalls} calls, and lets one trial call through {@code
 * resetMs} after it opened.
 */
public record BreakerConfig(String key, int windowMs, int minCalls, int failureRatePercent, int resetMs) {

  public BreakerConfig {
    Check.atLeast(key + ".window-ms", windowMs, 1000);
    Check.atLeast(key + ".min-calls", minCalls, 1);
    Check.atLeast(key + ".failure-rate-percent", failureRatePercent, 1);
    if (failureRatePercent > 100) {
      throw new ConfigException(key + ".failure-rate-percent", "must be <= 100, got " + failureRatePercent);
    }
    Check.atLeast(key + ".reset-ms", resetMs, 100);
  }
}
