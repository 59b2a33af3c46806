package dev.sluice.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant meters: {@code sluice_tenant_events_total{tenant,outcome}} (outcome {@code accepted}:
 * passed the tenant's checks and went on to delivery; {@code forbidden}: refused by its allow-list,
 * SLC-1403; {@code quota}: refused over its quota, SLC-1429) and {@code
 * sluice_tenant_bytes_total{tenant}} (request bytes passed on). Tenants come from the tenants file, so
 * their number is bounded; all the same, past {@value #MAX_TENANT_TAGS} distinct tenants the others are
 * counted as {@code other}. Thread-safe, shared by every ingest instance.
 */
public final class TenantMetrics {

  static final int MAX_TENANT_TAGS = 200;
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final Map<String, Meters> byTenant = new ConcurrentHashMap<>();

  public TenantMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void accepted(String tenant, int events, long bytes) {
    Meters m = meters(tenant);
    m.accepted.increment(events);
    m.bytes.increment(bytes);
  }

  public void forbidden(String tenant, int events) {
    meters(tenant).forbidden.increment(events);
  }

  public void overQuota(String tenant, int events) {
    meters(tenant).quota.increment(events);
  }

  private Meters meters(String tenant) {
    Meters m = byTenant.get(tenant);
    if (m != null) {
      return m;
    }
    String tag = byTenant.size() >= MAX_TENANT_TAGS ? OTHER : tenant;
    m = byTenant.computeIfAbsent(tag, this::create);
    return m;
  }

  private Meters create(String tenant) {
    return new Meters(events(tenant, "accepted"), events(tenant, "forbidden"), events(tenant, "quota"),
        Counter.builder("sluice.tenant.bytes").description("Request bytes of a tenant passed on to delivery")
            .tag("tenant", tenant).register(registry));
  }

  private Counter events(String tenant, String outcome) {
    return Counter.builder("sluice.tenant.events")
        .description("Events of a tenant: accepted (passed its checks), forbidden (SLC-1403), quota (SLC-1429)")
        .tag("tenant", tenant).tag("outcome", outcome).register(registry);
  }

  private record Meters(Counter accepted, Counter forbidden, Counter quota, Counter bytes) {}
}
