package dev.sluice.auth;

/**
 * A tenant's rate limits, enforced per gateway process.
 *
 * @param eventsPerSecond events admitted per second (0 = no limit on events)
 * @param bytesPerSecond request bytes admitted per second (0 = no limit on bytes)
 * @param burstSeconds how many seconds of rate a tenant may spend at once after being idle
 */
public record Quota(long eventsPerSecond, long bytesPerSecond, double burstSeconds) {

  public Quota {
    if (eventsPerSecond < 0 || bytesPerSecond < 0) {
      throw new IllegalArgumentException("a quota's rates are 0 (no limit) or more");
    }
    if (!(burstSeconds > 0) || burstSeconds > 3600) {
      throw new IllegalArgumentException("burst-seconds must be more than 0 and at most 3600");
    }
  }
}
