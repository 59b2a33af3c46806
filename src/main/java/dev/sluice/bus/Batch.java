package dev.sluice.bus;

import java.util.List;

/**
 * Events that travel together over the event bus: the valid events of one client request.
 *
 * @param events the events, in request order
 * @param topics the destination topic of each event (same order), or {@code null} before routing
 * @param traceparent W3C trace context of the request, or {@code null}
 * @param traceparents a trace context per event (same order) when the events come from several
 *     requests (the spool's relay), else {@code null} and {@code traceparent} is every event's
 */
public record Batch(List<Event> events, String[] topics, String traceparent, String[] traceparents) {

  public Batch(List<Event> events, String[] topics, String traceparent) {
    this(events, topics, traceparent, null);
  }

  /** The trace context of event {@code i}, or {@code null}. */
  public String traceparentOf(int i) {
    return traceparents != null ? traceparents[i] : traceparent;
  }

  public static Batch unrouted(List<Event> events, String traceparent) {
    return new Batch(List.copyOf(events), null, traceparent);
  }

  public int size() {
    return events.size();
  }
}
