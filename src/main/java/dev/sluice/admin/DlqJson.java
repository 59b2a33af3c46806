package dev.sluice.admin;

import dev.sluice.bus.Failure;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** The JSON of the dead-letter tools: a dead letter's metadata, whole, and the error body. */
final class DlqJson {

  private DlqJson() {}

  /** The metadata of a dead letter (no value, no headers). */
  static JsonObject item(StoredDeadLetter d) {
    DeadLetter l = d.letter();
    DeadLetter.Origin o = l.origin();
    JsonObject j = new JsonObject().put("eventId", l.eventId()).put("eventType", l.eventType());
    bytes(j, "key", d.key());
    j.put("source", o.source())
        .put("topic", o.topic())
        .put("partition", o.partition())
        .put("offset", o.offset())
        .put("recordTime", o.timestampMs() == null ? null : Instant.ofEpochMilli(o.timestampMs()).toString())
        .put("queue", o.queue())
        .put("attempts", l.attempts())
        .put("firstFailure", l.firstFailure().toString())
        .put("lastFailure", l.lastFailure().toString())
        .put("failureClass", l.failureClass())
        .put("status", l.status())
        .put("response", l.response())
        .put("traceparent", l.traceparent())
        .put("target", d.target())
        .put("deadAt", d.deadAt() == null ? null : d.deadAt().toString());
    return j;
  }

  /**
   * The whole dead letter: its metadata, headers ({@code [{name, value}]}, values as text or base64 with
   * {@code valueEncoding}) and value (as JSON when it is JSON, else text or base64 with {@code
   * valueEncoding}).
   */
  static JsonObject whole(StoredDeadLetter d) {
    JsonObject j = item(d);
    JsonArray headers = new JsonArray();
    for (StoredDeadLetter.Header h : d.headers()) {
      JsonObject hj = new JsonObject().put("name", h.name());
      bytes(hj, "value", h.value());
      headers.add(hj);
    }
    j.put("headers", headers);
    Object json = json(d.value());
    if (json != null) {
      j.put("value", json);
    } else {
      bytes(j, "value", d.value());
    }
    return j;
  }

  /** The error body of the project: {@code {code, message, parameter?}}. */
  static JsonObject error(Failure f, String message, String parameter) {
    JsonObject j = new JsonObject().put("code", f.id()).put("message", message);
    if (parameter != null) {
      j.put("parameter", parameter);
    }
    return j;
  }

  /** Puts bytes as UTF-8 text, or as base64 with {@code <name>Encoding: "base64"} when they are not text. */
  private static void bytes(JsonObject j, String name, byte[] b) {
    if (b == null) {
      j.putNull(name);
      return;
    }
    String text = utf8(b);
    if (text != null) {
      j.put(name, text);
    } else {
      j.put(name, Base64.getEncoder().encodeToString(b)).put(name + "Encoding", "base64");
    }
  }

  private static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** The value as a JSON object or array, or null when it is neither. */
  private static Object json(byte[] b) {
    if (b == null || b.length == 0) {
      return null;
    }
    int i = 0;
    while (i < b.length && Character.isWhitespace(b[i])) {
      i++;
    }
    if (i == b.length || (b[i] != '{' && b[i] != '[')) {
      return null;
    }
    try {
      Object v = Json.decodeValue(Buffer.buffer(b));
      return v instanceof JsonObject || v instanceof JsonArray ? v : null;
    } catch (DecodeException e) {
      return null;
    }
  }
}
