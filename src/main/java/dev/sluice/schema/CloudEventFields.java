package dev.sluice.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.bus.CloudEventAttribute;
import dev.sluice.bus.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One CloudEvent's attributes as they are read (from a structured event's members or from binary
 * mode's {@code ce-} headers), the rules each must meet, and the native envelope built from them
 * ({@link CloudEventAttribute} is the mapping). Violations point at the attribute ({@code /3/type}) or,
 * in binary mode, at the header ({@code /ce-type}, "header ce-type ...").
 */
final class CloudEventFields {

  private static final JsonFactory JSON = new JsonFactory();
  private static final CloudEventAttribute[] MAPPED = CloudEventAttribute.values();
  /** The optional members, in the envelope's order. */
  private static final CloudEventAttribute[] OPTIONAL = {CloudEventAttribute.CORRELATIONID,
    CloudEventAttribute.CAUSATIONID, CloudEventAttribute.PARTITIONKEY, CloudEventAttribute.SUBJECT,
    CloudEventAttribute.DATASCHEMA};
  private static final Pattern VERSION = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9}){0,2}");
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final byte[] DATA_MEMBER = ",\"data\":".getBytes(StandardCharsets.US_ASCII);
  private static final int SPECVERSION_BIT = 1 << MAPPED.length;
  private static final int TRACEPARENT_BIT = SPECVERSION_BIT << 1;
  private static final int CONTENT_TYPE_BIT = SPECVERSION_BIT << 2;

  private final String pointer;
  private final boolean headers;
  final List<Violation> violations = new ArrayList<>(0);
  private final String[] values = new String[MAPPED.length];
  private int seen;
  private String traceparent;
  private boolean tooManyExtensions;
  private List<String> extensions; // name, value text, kind (s: string, n: number, b: boolean), ...
  private byte[] data;
  private int dataFrom;
  private int dataTo;
  boolean dataRefused; // data was there but refused: no "is required" as well

  /**
   * @param pointer the event's pointer in the body ({@code ""}, {@code /3})
   * @param headers whether the attributes come from binary mode's headers
   */
  CloudEventFields(String pointer, boolean headers) {
    this.pointer = pointer;
    this.headers = headers;
  }

  /** Reads attribute {@code name} whose value is {@code text}, of JSON kind {@code t} (headers: a string). */
  void attribute(String name, JsonToken t, String text) {
    switch (name) {
      case CloudEventAttribute.SPECVERSION -> {
        if (firstTime(name, SPECVERSION_BIT) && (t != JsonToken.VALUE_STRING || !"1.0".equals(text))) {
          violation(name, "must be \"1.0\" (CloudEvents 1.0), got " + shown(t, text));
        }
      }
      case CloudEventAttribute.DATACONTENTTYPE -> {
        if (firstTime(name, CONTENT_TYPE_BIT) && string(name, t, text, 255) != null) {
          contentType(name, text);
        }
      }
      case CloudEventAttribute.TRACEPARENT -> {
        if (firstTime(name, TRACEPARENT_BIT) && string(name, t, text, 55) != null) {
          if (TRACEPARENT.matcher(text).matches()) {
            traceparent = text;
          } else {
            violation(name, "must be a W3C trace context (version-traceid-parentid-flags), got " + shown(t, text));
          }
        }
      }
      default -> {
        CloudEventAttribute a = CloudEventAttribute.ofAttribute(name);
        if (a != null) {
          if (firstTime(name, 1 << a.ordinal())) {
            values[a.ordinal()] = mapped(a, t, text);
          }
        } else {
          extension(name, t, text);
        }
      }
    }
  }

  /**
   * Checks a content type given for {@code data}: JSON only. {@code name} is the attribute or header.
   * False (with a violation) when it is not JSON.
   */
  boolean contentType(String name, String text) {
    String media = text.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json") && !(media.indexOf('/') > 0 && media.endsWith("+json"))) {
      violation(name, "must be application/json or a */*+json type (data must be a JSON object), got '"
          + clip(text) + "'");
      return false;
    }
    return true;
  }

  /** {@code data}: the JSON object in {@code body[from, to)}. */
  void data(byte[] body, int from, int to) {
    data = body;
    dataFrom = from;
    dataTo = to;
  }

  /** {@code data} is there but is not a JSON object: {@code message} says what it is. */
  void dataRefused(String message) {
    dataRefused = true;
    if (headers) {
      violations.add(new Violation("/data", "the body is the event's data and " + message));
    } else {
      violation(CloudEventAttribute.DATA, message);
    }
  }

  /** A violation of {@code name} (an attribute or, in binary mode, a header without its {@code ce-}). */
  void violation(String name, String message) {
    violations.add(headers
        ? new Violation("/" + (isHeader(name) ? name : "ce-" + name), "header " + (isHeader(name) ? name : "ce-" + name) + " " + message)
        : new Violation(pointer + "/" + Envelope.escape(name), message));
  }

  /** Checks that the required attributes were read. */
  void finish() {
    if ((seen & SPECVERSION_BIT) == 0) {
      violation(CloudEventAttribute.SPECVERSION, "is required");
    }
    for (CloudEventAttribute a : MAPPED) {
      if (a.required && (seen & (1 << a.ordinal())) == 0) {
        violation(a.attribute, "is required");
      }
    }
    if (data == null && !dataRefused) {
      if (headers) {
        violations.add(new Violation("/data", "the body is the event's data and must be a JSON object; it is empty"));
      } else {
        violation(CloudEventAttribute.DATA, "is required (a JSON object)");
      }
    }
  }

  String idForReport() {
    return values[CloudEventAttribute.ID.ordinal()];
  }

  String traceparent() {
    return traceparent;
  }

  String type() {
    return values[CloudEventAttribute.TYPE.ordinal()];
  }

  String version() {
    String v = values[CloudEventAttribute.EVENTVERSION.ordinal()];
    return v == null ? "1" : v;
  }

  /**
   * The native envelope of a valid event: its members from the attributes ({@code occurredAt} is
   * {@code receivedAt} when {@code time} is absent), then {@code data}'s bytes as they were sent.
   */
  byte[] toNative(String receivedAt) {
    ByteArrayBuilder out = new ByteArrayBuilder(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("eventId", idForReport());
      g.writeStringField("eventType", type());
      g.writeStringField("eventVersion", version());
      String time = values[CloudEventAttribute.TIME.ordinal()];
      g.writeStringField("occurredAt", time != null ? time : receivedAt);
      g.writeStringField("source", values[CloudEventAttribute.SOURCE.ordinal()]);
      for (CloudEventAttribute a : OPTIONAL) {
        if (values[a.ordinal()] != null) {
          g.writeStringField(a.member, values[a.ordinal()]);
        }
      }
      if (extensions != null) {
        g.writeObjectFieldStart(CloudEventAttribute.EXTENSIONS);
        for (int i = 0; i < extensions.size(); i += 3) {
          g.writeFieldName(extensions.get(i));
          String text = extensions.get(i + 1);
          switch (extensions.get(i + 2)) {
            case "n" -> g.writeNumber(text);
            case "b" -> g.writeBoolean(Boolean.parseBoolean(text));
            default -> g.writeString(text);
          }
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    byte[] head = out.toByteArray(); // ends with the closing brace, replaced by the data member
    byte[] value = new byte[head.length - 1 + DATA_MEMBER.length + (dataTo - dataFrom) + 1];
    System.arraycopy(head, 0, value, 0, head.length - 1);
    System.arraycopy(DATA_MEMBER, 0, value, head.length - 1, DATA_MEMBER.length);
    System.arraycopy(data, dataFrom, value, head.length - 1 + DATA_MEMBER.length, dataTo - dataFrom);
    value[value.length - 1] = '}';
    return value;
  }

  /** Where {@code data} starts in {@link #toNative}'s bytes of {@code length} bytes. */
  int dataStartIn(int length) {
    return length - 1 - (dataTo - dataFrom);
  }

  Event toEvent(int index, String defaultCorrelationId, byte[] value) {
    String correlationId = values[CloudEventAttribute.CORRELATIONID.ordinal()];
    return new Event(index, idForReport(), type(), version(), values[CloudEventAttribute.PARTITIONKEY.ordinal()],
        correlationId != null ? correlationId : defaultCorrelationId, value);
  }

  private String mapped(CloudEventAttribute a, JsonToken t, String text) {
    if (a == CloudEventAttribute.EVENTVERSION) {
      if ((t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) && VERSION.matcher(text).matches()
          && !text.matches("0+")) {
        return text;
      }
      violation(a.attribute, "must be a positive integer or a version like '1.2', got " + shown(t, text));
      return null;
    }
    String v = string(a.attribute, t, text, a == CloudEventAttribute.TYPE ? Envelope.MAX_TYPE_LENGTH
        : a == CloudEventAttribute.ID || a == CloudEventAttribute.TIME ? 64 : Envelope.MAX_TEXT_LENGTH);
    if (v == null) {
      return null;
    }
    String problem = switch (a) {
      case ID -> printableAscii(v) ? null : "must be printable ASCII characters";
      case TYPE -> Formats.isEventType(v) ? null : "must be dot notation like 'order.created'";
      case TIME -> Formats.isRfc3339(v) ? null : "must be an RFC 3339 date-time with offset";
      case DATASCHEMA -> Formats.isAbsoluteUri(v) ? null : "must be an absolute URI";
      default -> null;
    };
    if (problem != null) {
      violation(a.attribute, problem + ", got '" + clip(v) + "'");
      return null;
    }
    return v;
  }

  private void extension(String name, JsonToken t, String text) {
    String problem = Extensions.problem(name, t, text);
    if (problem != null) {
      violation(name, problem);
      return;
    }
    if (extensions == null) {
      extensions = new ArrayList<>(6);
    }
    if (extensions.size() / 3 >= Extensions.MAX_EXTENSIONS) {
      if (!tooManyExtensions) { // said once
        tooManyExtensions = true;
        violation(name, "is one extension attribute more than " + Extensions.MAX_EXTENSIONS + " (the most an event may have)");
      }
      return;
    }
    for (int i = 0; i < extensions.size(); i += 3) { // at most MAX_EXTENSIONS names
      if (extensions.get(i).equals(name)) {
        violation(name, "appears more than once");
        return;
      }
    }
    extensions.add(name);
    extensions.add(text);
    extensions.add(t == JsonToken.VALUE_STRING ? "s" : t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE ? "b" : "n");
  }

  /** The text of a string attribute, or null with a violation. */
  private String string(String name, JsonToken t, String text, int maxLength) {
    if (t != JsonToken.VALUE_STRING) {
      violation(name, "must be a string, got " + EnvelopeReader.kind(t));
      return null;
    }
    if (text.isEmpty()) {
      violation(name, "must not be empty");
      return null;
    }
    if (text.length() > maxLength) {
      violation(name, "must be at most " + maxLength + " characters, got " + text.length());
      return null;
    }
    return text;
  }

  private boolean firstTime(String name, int bit) {
    if ((seen & bit) != 0) {
      violation(name, "appears more than once");
      return false;
    }
    seen |= bit;
    return true;
  }

  private static boolean printableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHeader(String name) {
    return name.equals("content-type");
  }

  private static String shown(JsonToken t, String text) {
    return t == JsonToken.VALUE_STRING ? "'" + clip(text) + "'" : EnvelopeReader.kind(t);
  }

  private static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
