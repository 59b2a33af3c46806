package dev.sluice.schema;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import java.util.List;

/**
 * What a request body held: either a failure of the whole body (malformed JSON, empty, too many
 * events), or its events split into valid ones and rejections, each with its index in the request.
 */
public final class ReadResult {

  private final Failure failure;
  private final String message;
  private final boolean single;
  private final int total;
  private final List<Event> events;
  private final List<Rejection> rejections;
  private final String[] traceparents;

  private ReadResult(
      Failure failure,
      String message,
      boolean single,
      int total,
      List<Event> events,
      List<Rejection> rejections,
      String[] traceparents) {
    this.failure = failure;
    this.message = message;
    this.single = single;
    this.total = total;
    this.events = events;
    this.rejections = rejections;
    this.traceparents = traceparents;
  }

  static ReadResult failed(Failure failure, String message) {
    return new ReadResult(failure, message, false, 0, List.of(), List.of(), null);
  }

  static ReadResult of(boolean single, int total, List<Event> events, List<Rejection> rejections) {
    return new ReadResult(null, null, single, total, events, rejections, null);
  }

  /** Events that carry their own trace contexts (CloudEvents' {@code traceparent}), one per valid event. */
  static ReadResult of(
      boolean single, int total, List<Event> events, List<Rejection> rejections, String[] traceparents) {
    return new ReadResult(null, null, single, total, events, rejections, traceparents);
  }

  /**
   * This body with fewer valid events: {@code events} (a subset of {@link #events()} in order, possibly
   * copies), {@code rejections} (all of them, in request order) and their trace contexts.
   */
  public ReadResult narrowed(List<Event> events, List<Rejection> rejections, String[] traceparents) {
    return new ReadResult(null, null, single, total, events, rejections, traceparents);
  }

  /**
   * The trace context of each valid event (same order; an element is null when that event has none),
   * or {@code null} when the events have none of their own and the request's applies.
   */
  public String[] traceparents() {
    return traceparents;
  }

  /** The failure of the body as a whole, or {@code null} when it was read. */
  public Failure failure() {
    return failure;
  }

  /** What is wrong with the body as a whole, when {@link #failure()} is set. */
  public String message() {
    return message;
  }

  /** Whether the body was one envelope rather than a batch. */
  public boolean single() {
    return single;
  }

  /** How many events the body held, valid or not. */
  public int total() {
    return total;
  }

  /** The valid events, in request order. */
  public List<Event> events() {
    return events;
  }

  /** The invalid events, in request order. */
  public List<Rejection> rejections() {
    return rejections;
  }
}
