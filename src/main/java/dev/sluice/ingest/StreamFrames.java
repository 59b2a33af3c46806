package dev.sluice.ingest;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.ReadResult;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Violation;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JSON frames the server sends on a stream. Every frame has a {@code type}: {@code hello} once at
 * the start, {@code ack} / {@code nack} per client frame once its events are settled (with the credits
 * they give back), {@code error} for a client frame refused as a whole (it used no credits).
 */
final class StreamFrames {

  static final String PROTOCOL = "sluice.stream.v1";

  /**
   * The largest frame the server sends: the default frame limit of WebSocket clients such as Vert.x's
   * (the server's own limit, for what it reads, is websocket.max-message-bytes).
   */
  static final int MAX_FRAME_BYTES = 65536;

  private StreamFrames() {}

  /**
   * A client's message holds one envelope, a JSON array, or NDJSON lines. A JSON value followed by
   * more content on further lines is NDJSON: then NDJSON's verdict (and its line numbers) stands.
   */
  static ReadResult read(EnvelopeReader reader, byte[] bytes, String correlationId) {
    ReadResult json = reader.readJson(bytes, bytes.length, correlationId);
    if (json.failure() == Failure.MALFORMED_JSON
        && json.message().endsWith(EnvelopeReader.TRAILING_CONTENT)
        && contains(bytes, (byte) '\n')) {
      return reader.readNdjson(bytes, bytes.length, correlationId);
    }
    return json;
  }

  private static boolean contains(byte[] bytes, byte b) {
    for (byte x : bytes) {
      if (x == b) {
        return true;
      }
    }
    return false;
  }

  /** Sends a text message in frames of at most {@link #MAX_FRAME_BYTES}. */
  static void send(ServerWebSocket ws, String text) {
    if (text.length() <= MAX_FRAME_BYTES / 3) { // fits whatever its characters
      ws.writeTextMessage(text);
      return;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= MAX_FRAME_BYTES) {
      ws.writeTextMessage(text);
      return;
    }
    int cut = MAX_FRAME_BYTES;
    while ((bytes[cut] & 0xC0) == 0x80) { // a text frame holds whole characters
      cut--;
    }
    ws.writeFrame(WebSocketFrame.textFrame(new String(bytes, 0, cut, StandardCharsets.UTF_8), false));
    for (int at = cut; at < bytes.length; at += MAX_FRAME_BYTES) {
      int end = Math.min(bytes.length, at + MAX_FRAME_BYTES);
      ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer().appendBytes(bytes, at, end - at), end == bytes.length));
    }
  }

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
    return error(failure, message, frame, 0);
  }

  /** An error frame; {@code retryAfterSeconds} > 0 adds {@code retryAfter} (seconds: a quota refusal). */
  static String error(Failure failure, String message, long frame, long retryAfterSeconds) {
    Json json = new Json(144 + message.length())
        .open()
        .field("type", "error")
        .field("frame", frame)
        .field("code", failure.id())
        .field("message", message)
        .field("retryable", failure.retryable());
    if (retryAfterSeconds > 0) {
      json.field("retryAfter", retryAfterSeconds);
    }
    return json.close().toString();
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
