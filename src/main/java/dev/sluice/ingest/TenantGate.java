package dev.sluice.ingest;

import dev.sluice.auth.Tenant;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.quota.Quotas;
import dev.sluice.quota.Tenancy;
import dev.sluice.quota.TenantMetrics;
import dev.sluice.route.Permissions;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's limits at every ingest edge, after a request (frame, message) was read and before
 * anything is published: its allow-list (an event it may not publish is refused like an invalid one,
 * SLC-1403, pointer {@code /eventType}; the others go on), then its quota (over it, the whole request
 * is refused, SLC-1429, and nothing is taken). The events that go on carry the tenant's name (the Kafka
 * header {@code tenant}). The anonymous tenant of {@code auth.mode: none} passes as it is, at no cost.
 * One per ingest instance (its permissions cache is confined to the instance's event loop).
 */
final class TenantGate {

  /** The events that go on, stamped, every rejection in request order, the events' trace contexts. */
  record Checked(List<Event> events, List<Rejection> rejections, String[] traceparents, int forbidden) {}

  private final Permissions permissions;
  private final Quotas quotas;
  private final TenantMetrics metrics;

  TenantGate(Tenancy tenancy) {
    this.permissions = new Permissions(tenancy.routing());
    this.quotas = tenancy.quotas();
    this.metrics = tenancy.metrics();
  }

  /** The events {@code tenant} may publish, the others refused (SLC-1403) among {@code rejections}. */
  Checked permit(Tenant tenant, boolean single, List<Event> events, List<Rejection> rejections,
      String[] traceparents) {
    if (tenant.anonymous()) {
      return new Checked(events, rejections, traceparents, 0);
    }
    List<Event> allowed = new ArrayList<>(events.size());
    List<Rejection> forbidden = null;
    List<String> tps = traceparents == null ? null : new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      String refusal = permissions.refusal(tenant, e.eventType());
      if (refusal == null) {
        allowed.add(e.withTenant(tenant.name()));
        if (tps != null) {
          tps.add(traceparents[i]);
        }
      } else {
        if (forbidden == null) {
          forbidden = new ArrayList<>();
        }
        String pointer = single ? "/eventType" : "/" + e.index() + "/eventType";
        forbidden.add(new Rejection(e.index(), e.eventId(), Failure.FORBIDDEN, List.of(new Violation(pointer, refusal))));
      }
    }
    if (forbidden == null) {
      return new Checked(allowed, rejections, traceparents, 0);
    }
    metrics.forbidden(tenant.name(), forbidden.size());
    return new Checked(allowed, merge(rejections, forbidden), tps == null ? null : tps.toArray(String[]::new),
        forbidden.size());
  }

  /**
   * Takes {@code events} and {@code bytes} from the tenant's quota; when refused nothing is taken and
   * the refusal is counted. Events that go on are counted as accepted.
   */
  Quotas.Verdict take(Tenant tenant, int events, long bytes) {
    Quotas.Verdict v = quotas.take(tenant, events, bytes);
    if (v.admitted()) {
      metrics.accepted(tenant.name(), events, bytes);
    } else {
      metrics.overQuota(tenant.name(), events);
    }
    return v;
  }

  private static List<Rejection> merge(List<Rejection> a, List<Rejection> b) {
    if (a.isEmpty()) {
      return b;
    }
    List<Rejection> out = new ArrayList<>(a.size() + b.size());
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (j == b.size() || (i < a.size() && a.get(i).index() < b.get(j).index())) {
        out.add(a.get(i++));
      } else {
        out.add(b.get(j++));
      }
    }
    return out;
  }
}
