package dev.sluice.quota;

import dev.sluice.auth.Quota;

/**
 * One tenant's two buckets (events and bytes), refilled at the quota's rates up to rate × burst
 * seconds, starting full. A request takes from both or from neither. A request larger than a bucket
 * can ever hold is admitted only when that bucket is full, which leaves it in debt: later requests wait
 * until the debt is refilled, so the long-run rate holds and such a request is never refused for good.
 * Thread-safe: shared by every ingest instance; each call holds the bucket's lock for a few arithmetic
 * operations.
 */
final class TokenBucket {

  private static final double NANOS = 1e9;

  final Quota quota;
  private final double eventCap;
  private final double byteCap;
  private double events;
  private double bytes;
  private long updated;

  TokenBucket(Quota quota, long now) {
    this.quota = quota;
    this.eventCap = quota.eventsPerSecond() * quota.burstSeconds();
    this.byteCap = quota.bytesPerSecond() * quota.burstSeconds();
    this.events = eventCap;
    this.bytes = byteCap;
    this.updated = now;
  }

  /** Takes {@code n} events and {@code b} bytes, or nothing; says what is left and how long to wait. */
  synchronized Quotas.Verdict take(long now, long n, long b) {
    long elapsed = now - updated;
    if (elapsed > 0) {
      double seconds = elapsed / NANOS; // in double: nanoseconds times a rate overflow a long within minutes
      events = Math.min(eventCap, events + seconds * quota.eventsPerSecond());
      bytes = Math.min(byteCap, bytes + seconds * quota.bytesPerSecond());
      updated = now;
    }
    double eventWait = wait(events, eventCap, quota.eventsPerSecond(), n);
    double byteWait = wait(bytes, byteCap, quota.bytesPerSecond(), b);
    if (eventWait == 0 && byteWait == 0) {
      if (quota.eventsPerSecond() > 0) {
        events -= n;
      }
      if (quota.bytesPerSecond() > 0) {
        bytes -= b;
      }
      return Quotas.Verdict.ADMITTED;
    }
    return Quotas.Verdict.refused(quota, left(events), left(bytes), seconds(eventWait), seconds(byteWait));
  }

  /** Seconds until the bucket holds {@code want} (or is full, when {@code want} is more than it holds). */
  private static double wait(double have, double cap, long rate, long want) {
    if (rate == 0) {
      return 0;
    }
    double target = Math.min(want, cap);
    return have >= target ? 0 : (target - have) / rate;
  }

  private static long left(double tokens) {
    return tokens <= 0 ? 0 : (long) Math.floor(tokens);
  }

  private static long seconds(double wait) {
    return (long) Math.ceil(wait);
  }
}
