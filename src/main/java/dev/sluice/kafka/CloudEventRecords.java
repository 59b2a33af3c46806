package dev.sluice.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.bus.CloudEventAttribute;
import dev.sluice.bus.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A native envelope in the CloudEvents Kafka protocol binding's forms: binary mode (the attributes as
 * {@code ce_} headers, {@code data} as the value) and structured mode (the CloudEvent JSON as the
 * value). {@link CloudEventAttribute} is the mapping. The envelope is read with a streaming parser and
 * the JSON written with a generator; {@code data}'s bytes are copied, never re-serialised. Stateless.
 */
final class CloudEventRecords {

  static final String CONTENT_TYPE = "content-type";
  static final byte[] JSON_TYPE = RecordHeaders.utf8("application/json");
  static final byte[] STRUCTURED_TYPE = RecordHeaders.utf8("application/cloudevents+json");
  private static final byte[] SPEC_VERSION = RecordHeaders.utf8("1.0");
  private static final byte[] DATA_MEMBER = ",\"data\":".getBytes(StandardCharsets.US_ASCII);
  private static final JsonFactory JSON = new JsonFactory();
  private static final CloudEventAttribute[] MAPPED = CloudEventAttribute.values();

  private CloudEventRecords() {}

  /** An envelope's attributes (by {@link CloudEventAttribute} ordinal), extensions and data range. */
  private static final class Parts {
    final String[] values = new String[MAPPED.length];
    final List<Object> extensions = new ArrayList<>(0); // name, then its value: String, or Number/Boolean as text in a Raw
    int dataFrom;
    int dataTo;
  }

  /** A number or boolean extension value, kept as its JSON text. */
  private record Raw(String text, boolean number) {}

  /** Binary mode: adds the {@code ce_} headers and the content type to {@code headers}; returns the value. */
  static byte[] binary(Event e, String traceparent, List<Header> headers) {
    Parts parts = parse(e);
    headers.add(new RecordHeader("ce_" + CloudEventAttribute.SPECVERSION, SPEC_VERSION));
    for (CloudEventAttribute a : MAPPED) {
      String v = parts.values[a.ordinal()];
      if (v != null) {
        headers.add(new RecordHeader(a.kafkaHeader, RecordHeaders.utf8(v)));
      }
    }
    if (traceparent != null) {
      headers.add(new RecordHeader("ce_" + CloudEventAttribute.TRACEPARENT, RecordHeaders.utf8(traceparent)));
    }
    for (int i = 0; i < parts.extensions.size(); i += 2) {
      Object v = parts.extensions.get(i + 1);
      headers.add(new RecordHeader("ce_" + parts.extensions.get(i),
          RecordHeaders.utf8(v instanceof Raw raw ? raw.text() : (String) v)));
    }
    headers.add(new RecordHeader(CONTENT_TYPE, JSON_TYPE));
    return Arrays.copyOfRange(e.value(), parts.dataFrom, parts.dataTo);
  }

  /** Structured mode: adds the content type to {@code headers}; returns the CloudEvent JSON. */
  static byte[] structured(Event e, String traceparent, List<Header> headers) {
    Parts parts = parse(e);
    ByteArrayBuilder out = new ByteArrayBuilder(128 + e.value().length);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField(CloudEventAttribute.SPECVERSION, "1.0");
      for (CloudEventAttribute a : MAPPED) {
        String v = parts.values[a.ordinal()];
        if (v != null) {
          g.writeStringField(a.attribute, v);
        }
      }
      if (traceparent != null) {
        g.writeStringField(CloudEventAttribute.TRACEPARENT, traceparent);
      }
      for (int i = 0; i < parts.extensions.size(); i += 2) {
        g.writeFieldName((String) parts.extensions.get(i));
        Object v = parts.extensions.get(i + 1);
        if (v instanceof Raw raw && raw.number()) {
          g.writeNumber(raw.text());
        } else if (v instanceof Raw raw) {
          g.writeBoolean(Boolean.parseBoolean(raw.text()));
        } else {
          g.writeString((String) v);
        }
      }
      g.writeStringField(CloudEventAttribute.DATACONTENTTYPE, "application/json");
      g.writeEndObject();
    } catch (IOException x) {
      throw new UncheckedIOException(x); // writing to memory
    }
    byte[] head = out.toByteArray(); // ends with the closing brace, replaced by the data member
    int dataLength = parts.dataTo - parts.dataFrom;
    byte[] value = new byte[head.length - 1 + DATA_MEMBER.length + dataLength + 1];
    System.arraycopy(head, 0, value, 0, head.length - 1);
    System.arraycopy(DATA_MEMBER, 0, value, head.length - 1, DATA_MEMBER.length);
    System.arraycopy(e.value(), parts.dataFrom, value, head.length - 1 + DATA_MEMBER.length, dataLength);
    value[value.length - 1] = '}';
    headers.add(new RecordHeader(CONTENT_TYPE, STRUCTURED_TYPE));
    return value;
  }

  /**
   * Reads the envelope's members (one pass, data skipped); the event's own fields fill what the envelope
   * leaves out (its correlation id is the request's when the envelope has none).
   */
  private static Parts parse(Event e) {
    Parts parts = new Parts();
    byte[] value = e.value();
    try (JsonParser p = JSON.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("event " + e.eventId() + ": the value is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals(CloudEventAttribute.DATA)) {
          parts.dataFrom = (int) p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          parts.dataTo = (int) p.currentLocation().getByteOffset();
        } else if (name.equals(CloudEventAttribute.EXTENSIONS)) {
          extensions(p, parts);
        } else {
          CloudEventAttribute a = CloudEventAttribute.ofMember(name);
          if (a != null && t.isScalarValue()) {
            parts.values[a.ordinal()] = p.getText();
          } else {
            p.skipChildren();
          }
        }
      }
    } catch (IOException x) {
      throw new IllegalArgumentException("event " + e.eventId() + ": the value is not a native envelope", x);
    }
    if (parts.dataTo <= parts.dataFrom) {
      throw new IllegalArgumentException("event " + e.eventId() + ": the envelope has no data");
    }
    fill(parts, CloudEventAttribute.ID, e.eventId());
    fill(parts, CloudEventAttribute.TYPE, e.eventType());
    fill(parts, CloudEventAttribute.EVENTVERSION, e.eventVersion());
    fill(parts, CloudEventAttribute.CORRELATIONID, e.correlationId());
    return parts;
  }

  private static void extensions(JsonParser p, Parts parts) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (t) {
        case VALUE_STRING -> parts.extensions.add(name);
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> parts.extensions.add(name);
        default -> {
          p.skipChildren();
          continue;
        }
      }
      parts.extensions.add(t == JsonToken.VALUE_STRING ? p.getText() : new Raw(p.getText(), t.isNumeric()));
    }
  }

  private static void fill(Parts parts, CloudEventAttribute a, String v) {
    if (parts.values[a.ordinal()] == null && v != null) {
      parts.values[a.ordinal()] = v;
    }
  }
}
