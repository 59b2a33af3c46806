package dev.sluice.bus;

import java.util.List;

/**
 * Events that travel together over the event bus: the valid events of one client request.
 *
 * @param events the events, in request order
 * @param topics the destination topic of each event (same order), or {@code null} before routing
 * @param traceparent W3C trace context of the request, or {@code null}
 */
public record Batch(List<Event> events, String[] topics, String traceparent) {

  public static Batch unrouted(List<Event> events, String traceparent) {
    return new Batch(List.copyOf(events), null, traceparent);
  }

  public int size() {
    return events.size();
  }
}
