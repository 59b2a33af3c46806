package dev.sluice.auth;

import java.util.List;

/**
 * A tenant: what its callers may publish.
 *
 * @param name the tenant's name, stamped on its events (Kafka header {@code tenant})
 * @param eventTypes route patterns of the event types it may publish ({@code *} one dot-separated
 *     segment, {@code #} any number of them)
 * @param topics topics its events may be routed to; empty = any topic
 * @param quota its rate limits, or {@code null} for none
 */
public record Tenant(String name, List<String> eventTypes, List<String> topics, Quota quota) {

  /** The one tenant of {@code auth.mode: none}: everything allowed, no quota, no tenant header. */
  public static final Tenant ANONYMOUS = new Tenant("anonymous", List.of("#"), List.of(), null);

  public Tenant {
    eventTypes = List.copyOf(eventTypes);
    topics = List.copyOf(topics);
  }

  public boolean anonymous() {
    return this == ANONYMOUS;
  }
}
