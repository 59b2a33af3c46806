package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.Quota;
import dev.sluice.auth.Tenant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QuotasTest {

  private long now = 1_000_000_000L;
  private final Quotas quotas = new Quotas(() -> now);

  private static Tenant tenant(String name, Quota quota) {
    return new Tenant(name, List.of("#"), List.of(), quota);
  }

  private void advanceMillis(long ms) {
    now += TimeUnit.MILLISECONDS.toNanos(ms);
  }

  @Test
  void admitsTheBurstThenRefusesWithTheWaitRoundedUp() {
    Tenant t = tenant("a", new Quota(10, 0, 2)); // 10 events/s, burst 20

    assertThat(quotas.take(t, 20, 1).admitted()).isTrue();
    Quotas.Verdict refused = quotas.take(t, 5, 1);

    assertThat(refused.admitted()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1); // 0.5 s rounded up
    assertThat(refused.eventsLeft()).isZero();
  }

  @Test
  void refillsAtItsRateUpToTheBurst() {
    Tenant t = tenant("a", new Quota(10, 0, 1));
    assertThat(quotas.take(t, 10, 1).admitted()).isTrue();

    advanceMillis(500);
    assertThat(quotas.take(t, 6, 1).admitted()).isFalse();
    assertThat(quotas.take(t, 5, 1).admitted()).isTrue();

    advanceMillis(60_000); // idle for long: no more than the burst
    assertThat(quotas.take(t, 10, 1).admitted()).isTrue();
    assertThat(quotas.take(t, 1, 1).admitted()).isFalse();
  }

  /** Nanoseconds × 5 MiB/s overflow a long after ~29 minutes: the refill must not wrap into debt. */
  @Test
  void aLongIdleTenantAtAHighByteRateIsAdmitted() {
    Tenant t = tenant("a", new Quota(0, 5_242_880, 1));
    for (long idleMinutes : new long[] {30, 45, 60 * 24, 60 * 24 * 365}) {
      assertThat(quotas.take(t, 1, 5_242_880).admitted()).as("after %d min idle", idleMinutes).isTrue();
      advanceMillis(TimeUnit.MINUTES.toMillis(idleMinutes));
      Quotas.Verdict v = quotas.take(t, 1, 1);
      assertThat(v.admitted()).as("after %d min idle: %s", idleMinutes, v).isTrue();
      advanceMillis(TimeUnit.MINUTES.toMillis(idleMinutes));
    }
  }

  @Test
  void aRefusalTakesNothing() {
    Tenant t = tenant("a", new Quota(10, 0, 1));
    assertThat(quotas.take(t, 8, 1).admitted()).isTrue();

    assertThat(quotas.take(t, 5, 1).admitted()).isFalse();
    assertThat(quotas.take(t, 2, 1).admitted()).isTrue();
  }

  @Test
  void checksBothDimensionsAndWaitsForTheSlowerOne() {
    Tenant t = tenant("a", new Quota(1000, 100, 1)); // plenty of events, 100 bytes/s

    assertThat(quotas.take(t, 1, 100).admitted()).isTrue();
    Quotas.Verdict refused = quotas.take(t, 1, 50);

    assertThat(refused.admitted()).isFalse();
    assertThat(refused.bytesLeft()).isZero();
    assertThat(refused.eventsLeft()).isEqualTo(999); // the events were not taken
    advanceMillis(499);
    assertThat(quotas.take(t, 1, 50).admitted()).isFalse();
    advanceMillis(1);
    assertThat(quotas.take(t, 1, 50).admitted()).isTrue();
  }

  @Test
  void aRequestLargerThanTheBurstIsAdmittedOnlyFromAFullBucketAndRepaid() {
    Tenant t = tenant("a", new Quota(10, 0, 1)); // burst 10

    assertThat(quotas.take(t, 25, 1).admitted()).isTrue(); // full: admitted, 15 events in debt
    Quotas.Verdict next = quotas.take(t, 1, 1);
    assertThat(next.admitted()).isFalse();
    assertThat(next.retryAfterSeconds()).isEqualTo(2); // 16 events to refill at 10/s: 1.6 s

    advanceMillis(1_600);
    assertThat(quotas.take(t, 25, 1).admitted()).isFalse(); // not full yet: 1 of 10
    advanceMillis(900);
    assertThat(quotas.take(t, 25, 1).admitted()).isTrue();
  }

  @Test
  void tenantsHaveTheirOwnBuckets() {
    Quota q = new Quota(10, 0, 1);
    assertThat(quotas.take(tenant("a", q), 10, 1).admitted()).isTrue();
    assertThat(quotas.take(tenant("a", q), 1, 1).admitted()).isFalse();

    assertThat(quotas.take(tenant("b", q), 10, 1).admitted()).isTrue();
  }

  @Test
  void noQuotaOrAZeroRateIsUnlimited() {
    assertThat(quotas.take(Tenant.ANONYMOUS, 1_000_000, 1L << 40).admitted()).isTrue();
    assertThat(quotas.take(tenant("n", null), 1_000_000, 1L << 40).admitted()).isTrue();
    Tenant bytesOnly = tenant("b", new Quota(0, 100, 1));
    assertThat(quotas.take(bytesOnly, 1_000_000, 100).admitted()).isTrue();
    assertThat(quotas.take(bytesOnly, 1, 1).admitted()).isFalse();
  }

  @Test
  void describesItsPolicyAndStateInTheIetfFieldsForm() {
    Tenant t = tenant("a", new Quota(5000, 5_242_880, 1));
    quotas.take(t, 5000, 1000);
    Quotas.Verdict refused = quotas.take(t, 3, 10);

    assertThat(refused.policyHeader()).isEqualTo("\"events\";q=5000;w=1, \"bytes\";q=5242880;w=1;qu=\"content-bytes\"");
    assertThat(refused.rateLimitHeader()).isEqualTo("\"events\";r=0;t=1, \"bytes\";r=5241880;t=0");
  }
}
