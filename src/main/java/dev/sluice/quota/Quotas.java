package dev.sluice.quota;

import dev.sluice.auth.Quota;
import dev.sluice.auth.Tenant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The tenants' quotas in this process: a {@link TokenBucket} per tenant with a quota, shared by every
 * ingest instance (HTTP, WebSocket, gRPC). Each gateway process enforces its own: behind a load
 * balancer, N processes admit up to N times a tenant's quota (see the README). A request over quota
 * takes nothing. Thread-safe; a tenant without a quota costs one map-free check.
 */
public final class Quotas {

  /** Buckets kept at most (tenants come from the tenants file; a bound all the same). */
  static final int MAX_TENANTS = 10_000;

  private final LongSupplier nanoClock;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}; a fake one in tests) */
  public Quotas(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  public static Quotas system() {
    return new Quotas(System::nanoTime);
  }

  /**
   * Takes {@code events} events and {@code bytes} bytes from {@code tenant}'s quota, or nothing when
   * either is over it.
   */
  public Verdict take(Tenant tenant, int events, long bytes) {
    Quota quota = tenant.quota();
    if (quota == null || (quota.eventsPerSecond() == 0 && quota.bytesPerSecond() == 0)) {
      return Verdict.ADMITTED;
    }
    long now = nanoClock.getAsLong();
    TokenBucket bucket = buckets.get(tenant.name());
    if (bucket == null || !bucket.quota.equals(quota)) { // new, or its quota changed
      if (buckets.size() >= MAX_TENANTS) {
        buckets.clear();
      }
      TokenBucket fresh = new TokenBucket(quota, now);
      bucket = bucket == null ? buckets.computeIfAbsent(tenant.name(), k -> fresh)
          : buckets.merge(tenant.name(), fresh, (old, f) -> old.quota.equals(quota) ? old : f);
    }
    return bucket.take(now, events, bytes);
  }

  /**
   * Admitted, or refused with when to come back: {@code retryAfterSeconds} (at least 1) and the IETF
   * RateLimit fields.
   *
   * @param eventsLeft events the tenant may still send now
   * @param bytesLeft bytes the tenant may still send now
   */
  public record Verdict(boolean admitted, long retryAfterSeconds, long eventsLeft, long bytesLeft,
      String policyHeader, String rateLimitHeader) {

    static final Verdict ADMITTED = new Verdict(true, 0, Long.MAX_VALUE, Long.MAX_VALUE, null, null);

    /**
     * The fields of draft-ietf-httpapi-ratelimit-headers-11 (May 2026), structured-field form: {@code
     * RateLimit-Policy} names a policy per limited dimension with its quota {@code q} per window {@code
     * w} (1 s: the sustained rate), bytes in the registered unit {@code qu="content-bytes"} (events have
     * no registered unit: the draft's default, one per event); {@code RateLimit} says per policy what is
     * {@code r}emaining now and in how many seconds {@code t} this request would fit.
     */
    static Verdict refused(Quota quota, long eventsLeft, long bytesLeft, long eventWait, long byteWait) {
      StringBuilder policy = new StringBuilder(96);
      StringBuilder state = new StringBuilder(64);
      if (quota.eventsPerSecond() > 0) {
        policy.append("\"events\";q=").append(quota.eventsPerSecond()).append(";w=1");
        state.append("\"events\";r=").append(eventsLeft).append(";t=").append(eventWait);
      }
      if (quota.bytesPerSecond() > 0) {
        policy.append(policy.isEmpty() ? "" : ", ").append("\"bytes\";q=").append(quota.bytesPerSecond())
            .append(";w=1;qu=\"content-bytes\"");
        state.append(state.isEmpty() ? "" : ", ").append("\"bytes\";r=").append(bytesLeft).append(";t=")
            .append(byteWait);
      }
      return new Verdict(false, Math.max(1, Math.max(eventWait, byteWait)),
          quota.eventsPerSecond() > 0 ? eventsLeft : Long.MAX_VALUE,
          quota.bytesPerSecond() > 0 ? bytesLeft : Long.MAX_VALUE, policy.toString(), state.toString());
    }

    /** The message of the refusal (SLC-1429). */
    public String message(String tenant) {
      return "tenant '" + tenant + "' is over its quota; retry in " + retryAfterSeconds + " s";
    }
  }
}
