package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class TenantMetricsTest {

  @Test
  void countsPerTenantAndOutcome() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TenantMetrics metrics = new TenantMetrics(registry);

    metrics.accepted("team-a", 3, 300);
    metrics.forbidden("team-a", 1);
    metrics.overQuota("team-b", 5);

    assertThat(registry.get("sluice.tenant.events").tags("tenant", "team-a", "outcome", "accepted").counter().count())
        .isEqualTo(3);
    assertThat(registry.get("sluice.tenant.events").tags("tenant", "team-a", "outcome", "forbidden").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("sluice.tenant.events").tags("tenant", "team-b", "outcome", "quota").counter().count())
        .isEqualTo(5);
    assertThat(registry.get("sluice.tenant.bytes").tags("tenant", "team-a").counter().count()).isEqualTo(300);
  }

  @Test
  void tagsAtMostABoundedNumberOfTenantsAndCountsTheRestAsOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TenantMetrics metrics = new TenantMetrics(registry);

    for (int i = 0; i < TenantMetrics.MAX_TENANT_TAGS + 50; i++) {
      metrics.accepted("t" + i, 1, 1);
    }

    assertThat(registry.find("sluice.tenant.bytes").counters()).hasSize(TenantMetrics.MAX_TENANT_TAGS + 1);
    assertThat(registry.get("sluice.tenant.bytes").tags("tenant", TenantMetrics.OTHER).counter().count())
        .isEqualTo(50);
  }
}
