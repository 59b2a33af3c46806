package dev.sluice.route;

import dev.sluice.auth.Tenant;
import dev.sluice.config.RoutingConfig;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a tenant may publish: event types matching its {@code event-types} patterns (the routes' pattern
 * semantics: {@code *} one segment, {@code #} any number), routed to one of its {@code topics} (when it
 * lists any; the topic is the one the routing table picks). A type with no route is left to the router
 * (it answers SLC-1006). Decisions are cached per tenant and type, with a bound because types come from
 * clients. Not thread-safe: one per ingest instance, used on its event loop.
 */
public final class Permissions {

  static final int CACHE_LIMIT = 10_000;
  private static final int TENANT_LIMIT = 1_000;
  private static final String ALLOWED = "";

  private final RoutingTable routes;
  private final Map<Tenant, Rules> tenants = new IdentityHashMap<>();
  private int cached;

  public Permissions(RoutingConfig routing) {
    this.routes = new RoutingTable(routing);
  }

  /** Why {@code tenant} may not publish {@code eventType} (the message names the type), or null. */
  public String refusal(Tenant tenant, String eventType) {
    if (tenant.anonymous()) {
      return null;
    }
    Rules rules = tenants.get(tenant);
    if (rules == null) {
      if (tenants.size() >= TENANT_LIMIT) {
        clear();
      }
      rules = new Rules(tenant);
      tenants.put(tenant, rules);
    }
    String decision = rules.decisions.get(eventType);
    if (decision == null) {
      decision = decide(tenant, rules, eventType);
      if (cached >= CACHE_LIMIT) {
        clear();
        tenants.put(tenant, rules);
      }
      rules.decisions.put(eventType, decision);
      cached++;
    }
    return decision.isEmpty() ? null : decision;
  }

  private String decide(Tenant tenant, Rules rules, String eventType) {
    boolean matches = false;
    for (Pattern p : rules.patterns) {
      if (p.matcher(eventType).matches()) {
        matches = true;
        break;
      }
    }
    String refused = "tenant '" + tenant.name() + "' may not publish event type '" + eventType + "'";
    if (!matches) {
      return refused;
    }
    if (!rules.topics.isEmpty()) {
      String topic = routes.topicFor(eventType);
      if (topic != null && !rules.topics.contains(topic)) {
        return refused + ": its route goes to topic '" + topic + "'";
      }
    }
    return ALLOWED;
  }

  private void clear() {
    tenants.values().forEach(r -> r.decisions.clear());
    tenants.clear();
    cached = 0;
  }

  /** How many decisions are cached (for tests). */
  int cached() {
    return cached;
  }

  private static final class Rules {
    final List<Pattern> patterns;
    final Set<String> topics;
    final Map<String, String> decisions = new HashMap<>();

    Rules(Tenant tenant) {
      this.patterns = tenant.eventTypes().stream().map(RoutingTable::compile).toList();
      this.topics = Set.copyOf(tenant.topics());
    }
  }
}
