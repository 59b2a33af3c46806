package dev.sluice.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.sluice.bus.CloudEventAttribute;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads CloudEvents 1.0 requests into native envelopes ({@link CloudEventAttribute} is the mapping) in
 * one streaming pass: structured mode ({@code application/cloudevents+json}, one event), batch mode
 * ({@code application/cloudevents-batch+json}, an array) and binary mode ({@code ce-} headers, the body
 * is {@code data}). {@code data} must be a JSON object; its bytes are copied into the envelope as sent.
 * Violations are {@link Failure#INVALID_CLOUDEVENT}; the payload is then checked by {@link PayloadCheck}.
 * Stateless and thread-safe.
 */
public final class CloudEventReader {

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100).build())
          .build();
  private static final String HEADER_PREFIX = "ce-";

  private final int maxEvents;
  private final PayloadCheck payloads;

  public CloudEventReader(int maxEvents, PayloadCheck payloads) {
    this.maxEvents = maxEvents;
    this.payloads = payloads;
  }

  /** Structured mode: one CloudEvent as JSON. {@code receivedAt} is the time of events without {@code time}. */
  public ReadResult readStructured(byte[] body, int length, String defaultCorrelationId, String receivedAt) {
    return read(body, length, defaultCorrelationId, receivedAt, false);
  }

  /** Batch mode: a JSON array of CloudEvents. */
  public ReadResult readBatch(byte[] body, int length, String defaultCorrelationId, String receivedAt) {
    return read(body, length, defaultCorrelationId, receivedAt, true);
  }

  /**
   * Binary mode: the attributes from the {@code ce-} headers (percent-decoded, HTTP binding 3.1.3.2),
   * {@code data} the body, {@code contentType} (may be null) its {@code datacontenttype}.
   */
  public ReadResult readBinary(Iterable<Map.Entry<String, String>> headers, String contentType, byte[] body,
      int length, String defaultCorrelationId, String receivedAt) {
    CloudEventFields ce = new CloudEventFields("", true);
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(HEADER_PREFIX) && name.length() > HEADER_PREFIX.length()) {
        String attribute = name.substring(HEADER_PREFIX.length());
        String value = percentDecoded(h.getValue());
        if (value == null) {
          ce.violation(attribute, "is not percent-encoded UTF-8 (HTTP binding 3.1.3.2)");
        } else {
          ce.attribute(attribute, JsonToken.VALUE_STRING, value);
        }
      }
    }
    if (contentType != null && !ce.contentType("content-type", contentType)) {
      ce.dataRefused = true; // not JSON: the body is not read
    }
    int from = Utf8.skipByteOrderMark(body, 0, length);
    int start = skipWhitespace(body, from, length);
    if (start < length && !ce.dataRefused) {
      ReadResult notUtf8 = encodingFailure(body, from, length);
      if (notUtf8 != null) {
        return notUtf8;
      }
      try (JsonParser p = JSON.createParser(body, start, length - start)) {
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_OBJECT) {
          p.skipChildren();
          int end = start + (int) p.currentLocation().getByteOffset();
          if (p.nextToken() != null) {
            return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON in the body (data): "
                + EnvelopeReader.TRAILING_CONTENT);
          }
          ce.data(body, start, end);
        } else {
          ce.dataRefused("must be a JSON object, got " + EnvelopeReader.kind(t));
        }
      } catch (JsonProcessingException e) {
        return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON in the body (data): " + e.getOriginalMessage());
      } catch (IOException e) {
        return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON in the body (data): " + e.getMessage());
      }
    }
    Collector out = new Collector(1);
    out.add(ce, 0, "", defaultCorrelationId, receivedAt);
    return out.result(true);
  }

  private ReadResult read(byte[] body, int length, String defaultCorrelationId, String receivedAt, boolean batch) {
    int from = Utf8.skipByteOrderMark(body, 0, length);
    ReadResult notUtf8 = encodingFailure(body, from, length);
    if (notUtf8 != null) {
      return notUtf8;
    }
    try (JsonParser p = JSON.createParser(body, from, length - from)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return ReadResult.failed(Failure.EMPTY_BODY, "the body is empty");
      }
      Collector out;
      if (!batch) {
        out = new Collector(1);
        element(p, t, 0, "", body, from, defaultCorrelationId, receivedAt, out);
      } else {
        if (t != JsonToken.START_ARRAY) {
          return ReadResult.failed(Failure.INVALID_CLOUDEVENT,
              "a CloudEvents batch (application/cloudevents-batch+json) is a JSON array, got " + EnvelopeReader.kind(t));
        }
        out = new Collector(Math.max(1, Math.min(maxEvents, length / 300 + 1)));
        int index = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (index == maxEvents) {
            return ReadResult.failed(
                Failure.TOO_MANY_EVENTS, "more than " + maxEvents + " events in one request (http.max-batch-events)");
          }
          element(p, t, index, "/" + index, body, from, defaultCorrelationId, receivedAt, out);
          index++;
        }
        if (index == 0) {
          return ReadResult.failed(Failure.EMPTY_BODY, "the batch is empty");
        }
      }
      if (p.nextToken() != null) {
        return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON: " + EnvelopeReader.TRAILING_CONTENT);
      }
      return out.result(!batch);
    } catch (JsonProcessingException e) {
      // a parser limit (nesting depth, number length) is raised without a location
      JsonLocation at = e.getLocation();
      return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON at "
          + (at == null ? "an unknown position" : "line " + at.getLineNr() + ", column " + at.getColumnNr())
          + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON: " + e.getMessage());
    }
  }

  /** Reads one structured CloudEvent at token {@code t}; {@code base} is where the parser started in {@code body}. */
  private void element(JsonParser p, JsonToken t, int index, String pointer, byte[] body, int base,
      String defaultCorrelationId, String receivedAt, Collector out) throws IOException {
    CloudEventFields ce = new CloudEventFields(pointer, false);
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      out.reject(index, null, List.of(new Violation(pointer, "a CloudEvent must be a JSON object, got "
          + EnvelopeReader.kind(t))), Failure.INVALID_CLOUDEVENT);
      return;
    }
    boolean dataSeen = false; // a second data is refused as a second attribute is, not last-wins
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals(CloudEventAttribute.DATA) && dataSeen) {
        ce.violation(name, "appears more than once");
        p.skipChildren();
      } else if (name.equals(CloudEventAttribute.DATA)) {
        dataSeen = true;
        if (v == JsonToken.START_OBJECT) {
          int start = base + (int) p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          ce.data(body, start, base + (int) p.currentLocation().getByteOffset());
        } else if (v != JsonToken.VALUE_NULL) {
          ce.dataRefused("must be a JSON object, got " + EnvelopeReader.kind(v));
          p.skipChildren();
        }
      } else if (name.equals(CloudEventAttribute.DATA_BASE64)) {
        ce.violation(name, "binary data is not accepted: data must be a JSON object");
        ce.dataRefused = true;
        p.skipChildren();
      } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        ce.violation(name, "must be a string, a number or a boolean, got " + EnvelopeReader.kind(v));
        p.skipChildren();
      } else if (v != JsonToken.VALUE_NULL) { // null: the attribute is absent (JSON format 2.4)
        ce.attribute(name, v, p.getText());
      }
    }
    out.add(ce, index, pointer, defaultCorrelationId, receivedAt);
  }

  /**
   * Percent-decodes a header value (the bytes are UTF-8), or null when it is not well-formed. The HTTP
   * stack hands header bytes over one char per byte: raw UTF-8 bytes (which the binding says to
   * percent-encode, but clients send) are decoded as UTF-8 too, the same with or without a {@code %}.
   */
  static String percentDecoded(String v) {
    if (v.indexOf('%') < 0 && v.chars().allMatch(c -> c < 0x80)) {
      return v;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '%') {
        int hi = i + 2 < v.length() ? Character.digit(v.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(v.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          return null;
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (c > 0xFF) {
        return null;
      } else {
        bytes.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static ReadResult encodingFailure(byte[] body, int from, int length) {
    String other = Utf8.otherEncoding(body, from, length, "body");
    if (other != null) {
      return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON: not UTF-8: " + other);
    }
    int bad = Utf8.firstInvalid(body, from, length);
    return bad < 0 ? null : ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON at byte " + (bad + 1)
        + ": invalid UTF-8 (" + Utf8.describe(body, bad, length) + "); JSON must be UTF-8 (RFC 8259)");
  }

  private static int skipWhitespace(byte[] body, int from, int limit) {
    int i = from;
    while (i < limit && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
      i++;
    }
    return i;
  }

  /** The valid events (native envelopes, with their trace contexts) and the rejections of one body. */
  private final class Collector {
    final List<Event> events;
    final List<String> traceparents;
    List<Rejection> rejections;
    boolean anyTraceparent;
    int total;

    Collector(int expected) {
      events = new ArrayList<>(expected);
      traceparents = new ArrayList<>(expected);
    }

    void add(CloudEventFields ce, int index, String pointer, String defaultCorrelationId, String receivedAt) {
      ce.finish();
      if (!ce.violations.isEmpty()) {
        reject(index, ce.idForReport(), ce.violations, Failure.INVALID_CLOUDEVENT);
        return;
      }
      byte[] value = ce.toNative(receivedAt);
      PayloadProblem problem =
          payloads.check(ce.type(), ce.version(), value, ce.dataStartIn(value.length), value.length - 1, pointer);
      if (problem != null) {
        reject(index, ce.idForReport(), problem.violations(), problem.failure());
        return;
      }
      events.add(ce.toEvent(index, defaultCorrelationId, value));
      traceparents.add(ce.traceparent());
      anyTraceparent |= ce.traceparent() != null;
      total++;
    }

    void reject(int index, String eventId, List<Violation> violations, Failure failure) {
      if (rejections == null) {
        rejections = new ArrayList<>();
      }
      rejections.add(new Rejection(index, eventId, failure, violations));
      total++;
    }

    ReadResult result(boolean single) {
      return ReadResult.of(single, total, events, rejections == null ? List.of() : rejections,
          anyTraceparent ? traceparents.toArray(new String[0]) : null);
    }
  }
}
