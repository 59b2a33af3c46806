package dev.sluice.quota;

import dev.sluice.config.RoutingConfig;

/**
 * What ingest needs to hold tenants to their limits: the routes (a tenant's {@code topics} are checked
 * against the topic its event type routes to), the process's quotas and the per-tenant meters.
 */
public record Tenancy(RoutingConfig routing, Quotas quotas, TenantMetrics metrics) {}
