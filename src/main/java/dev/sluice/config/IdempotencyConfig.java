package dev.sluice.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Idempotency-Key on the ingest edges: the first answer to a key is kept in PostgreSQL (see {@link
 * StoreConfig}) and replayed to the key's retries.
 *
 * @param enabled off: the header is ignored (as by a server that does not support it)
 * @param ttlMs how long a key's answer is kept and replayed ({@code idempotency.ttl}, e.g. {@code 24h})
 * @param leaseMs how long a request holds its key while it is answered; past it a retry takes the key
 *     over (the holder's gateway died). 0 = the route timeout + 10 s
 * @param timeoutMs how long a request waits for PostgreSQL to claim its key before it gets 503 SLC-5011
 * @param sweepIntervalMs how often expired keys are deleted
 * @param sweepBatch keys deleted per statement of a sweep
 */
public record IdempotencyConfig(
    boolean enabled, long ttlMs, long leaseMs, long timeoutMs, long sweepIntervalMs, int sweepBatch) {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  public IdempotencyConfig {
    Check.atLeast("idempotency.ttl", ttlMs, 1);
    Check.atLeast("idempotency.lease-ms", leaseMs, 0);
    Check.atLeast("idempotency.timeout-ms", timeoutMs, 10);
    Check.atLeast("idempotency.sweep-interval-ms", sweepIntervalMs, 10);
    Check.atLeast("idempotency.sweep-batch", sweepBatch, 1);
  }

  /** The lease of a claim, for requests answered within {@code routeTimeoutMs}. */
  public long leaseMs(long routeTimeoutMs) {
    return leaseMs > 0 ? leaseMs : routeTimeoutMs + 10_000;
  }

  /** A duration: a number of milliseconds, or a number with a unit (ms, s, m, h, d), e.g. {@code 24h}. */
  public static long durationMs(String key, String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigException(key, "'" + text + "' is not a duration (e.g. 24h, 30m, 90s, 500ms)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + text + "' is too large");
    }
    String unit = m.group(2) == null ? "ms" : m.group(2);
    long factor = switch (unit) {
      case "s" -> 1000L;
      case "m" -> 60_000L;
      case "h" -> 3_600_000L;
      case "d" -> 86_400_000L;
      default -> 1L;
    };
    if (n > Long.MAX_VALUE / factor) {
      throw new ConfigException(key, "'" + text + "' is too large");
    }
    return n * factor;
  }
}
