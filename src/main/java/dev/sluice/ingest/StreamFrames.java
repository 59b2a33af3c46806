package dev.sluice.ingest;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.ReadResult;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Violation;
import java.util.List;

/**
 * The JSON frames the server sends on a stream. Every frame has a {@code type}: {@code hello} once at
 * the start, {@code ack} / {@code nack} per client frame once its events are settled (with the credits
 * they give back), {@code error} for a client frame refused as a whole (it used no credits).
 */
final class StreamFrames {

  static final String PROTOCOL = "sluice.stream.v1";

  private StreamFrames() {}

  static String hello(int credits, int maxMessageBytes) {
    return new Json(128)
        .open()
        .field("type", "hello")
        .field("protocol", PROTOCOL)
        .field("credits", credits)
        .field("maxMessageBytes", maxMessageBytes)
        .close()
        .toString();
  }

  static String error(Failure failure, String message, long frame) {
    return new Json(128 + message.length())
        .open()
        .field("type", "error")
        .field("frame", frame)
        .field("code", failure.id())
        .field("message", message)
        .field("retryable", failure.retryable())
        .close()
        .toString();
  }

  /** The ack frame for the accepted events of client frame {@code frame}, or null when there are none. */
  static String ack(long frame, List<Event> events, Outcome[] outcomes, int accepted) {
    if (accepted == 0) {
      return null;
    }
    Json json =
        new Json(48 + accepted * 110)
            .open()
            .field("type", "ack")
            .field("frame", frame)
            .field("credits", accepted)
            .openArray("events");
    for (int i = 0; i < outcomes.length; i++) {
      Outcome o = outcomes[i];
      if (o.isAccepted()) {
        json.open().field("eventId", events.get(i).eventId()).field("topic", o.topic());
        if (o.via() == null) {
          json.field("partition", o.partition()).field("offset", o.offset());
        } else {
          json.field("status", o.status());
          if (!Outcome.SPOOL.equals(o.via())) {
            json.field("target", o.via());
          }
        }
        json.close();
      }
    }
    return json.closeArray().close().toString();
  }

  /** The nack frame for the refused events of client frame {@code frame}, or null when there are none. */
  static String nack(long frame, ReadResult read, List<Event> events, Outcome[] outcomes, int refused) {
    if (refused == 0) {
      return null;
    }
    Json json =
        new Json(64 + refused * 200)
            .open()
            .field("type", "nack")
            .field("frame", frame)
            .field("credits", refused)
            .openArray("events");
    for (Rejection r : read.rejections()) {
      json.open()
          .field("eventId", r.eventId())
          .field("index", r.index())
          .field("code", r.failure().id())
          .field("message", r.message())
          .field("retryable", false);
      json.openArray("errors");
      for (Violation v : r.violations()) {
        json.open().field("pointer", v.pointer()).field("message", v.message()).close();
      }
      json.closeArray().close();
    }
    for (int i = 0; i < outcomes.length; i++) {
      Outcome o = outcomes[i];
      if (!o.isAccepted()) {
        Event e = events.get(i);
        json.open()
            .field("eventId", e.eventId())
            .field("index", e.index())
            .field("code", o.failure().id())
            .field("message", o.message())
            .field("retryable", o.failure().retryable())
            .close();
      }
    }
    return json.closeArray().close().toString();
  }
}
