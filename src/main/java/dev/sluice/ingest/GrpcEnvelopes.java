package dev.sluice.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.google.protobuf.ByteString;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.ReadResult;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Utf8;
import dev.sluice.schema.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns the typed events of a gRPC call into native envelopes (UTF-8 JSON: the Kafka record value) and
 * checks them with the same {@link EnvelopeReader} as HTTP, so the rules and the payload check are the
 * same. Pointers name envelope members of the event at its index: {@code /3/eventType}.
 */
final class GrpcEnvelopes {

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100).build())
          .build();
  /** A version written as a JSON number, as HTTP clients mostly send it. */
  private static final Pattern INTEGER = Pattern.compile("[1-9][0-9]{0,8}");
  private static final byte[] DATA = ",\"data\":".getBytes(StandardCharsets.US_ASCII);

  /** The events of a call: the valid ones (index = position in the call) and the refused ones. */
  record Read(int total, List<Event> events, List<Rejection> rejections, long bytes) {}

  private GrpcEnvelopes() {}

  static Read read(EnvelopeReader reader, List<IngestEvent> in, String defaultCorrelationId) {
    List<Event> events = new ArrayList<>(in.size());
    List<Rejection> rejections = new ArrayList<>(0);
    long bytes = 0;
    for (int i = 0; i < in.size(); i++) {
      IngestEvent e = in.get(i);
      String at = "/" + i;
      String eventId = e.getEventId().isEmpty() ? null : e.getEventId();
      String dataProblem = dataProblem(e.getData());
      if (dataProblem != null) {
        rejections.add(reject(i, eventId, at + "/data", dataProblem));
        continue;
      }
      byte[] json = envelope(e);
      ReadResult r = reader.readJson(json, json.length, defaultCorrelationId);
      if (r.failure() != null) { // the data passed its own check, so this is not expected
        rejections.add(reject(i, eventId, at + "/data", "cannot be read: " + r.message()));
      } else if (!r.rejections().isEmpty()) {
        Rejection x = r.rejections().get(0);
        List<Violation> vs = new ArrayList<>(x.violations().size());
        for (Violation v : x.violations()) {
          vs.add(new Violation(at + v.pointer(), v.message()));
        }
        rejections.add(new Rejection(i, x.eventId(), x.failure(), vs));
      } else {
        Event ev = r.events().get(0);
        events.add(new Event(i, ev.eventId(), ev.eventType(), ev.eventVersion(), ev.aggregateId(),
            ev.correlationId(), ev.value()));
        bytes += json.length;
      }
    }
    return new Read(in.size(), events, rejections, bytes);
  }

  private static Rejection reject(int index, String eventId, String pointer, String message) {
    return new Rejection(index, eventId, Failure.INVALID_ENVELOPE, List.of(new Violation(pointer, message)));
  }

  /** The native envelope of {@code e}: its non-empty fields, then {@code data} as it was sent. */
  static byte[] envelope(IngestEvent e) {
    Json head = new Json(256).open();
    boolean any = false;
    any |= member(head, "eventId", e.getEventId());
    any |= member(head, "eventType", e.getEventType());
    String version = e.getEventVersion();
    if (INTEGER.matcher(version).matches()) {
      head.field("eventVersion", Long.parseLong(version));
      any = true;
    } else {
      any |= member(head, "eventVersion", version);
    }
    any |= member(head, "occurredAt", e.getOccurredAt());
    any |= member(head, "source", e.getSource());
    any |= member(head, "correlationId", e.getCorrelationId());
    any |= member(head, "causationId", e.getCausationId());
    any |= member(head, "aggregateId", e.getAggregateId());
    any |= member(head, "subject", e.getSubject());
    any |= member(head, "dataSchema", e.getDataSchema());
    byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
    ByteString data = e.getData();
    if (data.isEmpty()) { // the reader names the missing member
      byte[] out = new byte[h.length + 1];
      System.arraycopy(h, 0, out, 0, h.length);
      out[h.length] = '}';
      return out;
    }
    int skip = any ? 0 : 1; // no member before data: no comma
    byte[] out = new byte[h.length + DATA.length - skip + data.size() + 1];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(DATA, skip, out, h.length, DATA.length - skip);
    data.copyTo(out, h.length + DATA.length - skip);
    out[out.length - 1] = '}';
    return out;
  }

  private static boolean member(Json head, String name, String value) {
    if (value.isEmpty()) {
      return false;
    }
    head.field(name, value);
    return true;
  }

  /**
   * What is wrong with {@code data} as one JSON object, or null: it must be exactly one value (nothing
   * may follow it, so it cannot add envelope members), UTF-8 (checked first).
   */
  static String dataProblem(ByteString data) {
    if (data.isEmpty()) {
      return null; // reported as a missing member by the reader
    }
    byte[] bytes = data.toByteArray();
    // before the parser: on other encodings it decodes chars and loses the byte offsets used below
    String notUtf8 = Utf8.problem(bytes, "data");
    if (notUtf8 != null) {
      return "must be UTF-8 JSON (RFC 8259): " + notUtf8;
    }
    try (JsonParser p = JSON.createParser(bytes)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        return "must be a JSON object (UTF-8), got " + kind(t);
      }
      p.skipChildren();
      // what follows is looked at here, not parsed: a parser would read on into a second value
      for (int i = (int) p.currentLocation().getByteOffset(); i < bytes.length; i++) {
        byte c = bytes[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          return "must be one JSON object: unexpected content after it";
        }
      }
      return null;
    } catch (JsonProcessingException e) {
      String m = e.getOriginalMessage();
      int nl = m == null ? -1 : m.indexOf('\n');
      return "is not valid JSON: " + (m == null ? "unreadable" : nl >= 0 ? m.substring(0, nl) : m);
    } catch (IOException e) {
      return "is not valid JSON: " + e.getMessage();
    }
  }

  private static String kind(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }
}
