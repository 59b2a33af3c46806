package dev.sluice.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.bus.Event;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The native envelope's members as one is read, and the rules each must meet. */
final class Envelope {

  static final int MAX_TYPE_LENGTH = 255;
  static final int MAX_TEXT_LENGTH = 1024;

  private static final Pattern VERSION = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9}){0,2}");

  /** The envelope's members; the first {@link #REQUIRED} of them must be present. */
  private static final String[] MEMBERS = {
    "eventId", "eventType", "eventVersion", "occurredAt", "source", "data",
    "correlationId", "causationId", "aggregateId", "subject", "dataSchema", "extensions"
  };

  private static final int REQUIRED = 6;

  private final String pointer;
  private int seen;
  final List<Violation> violations = new ArrayList<>(0);

  private String eventId;
  private String rawEventId;
  private String eventType;
  private String eventVersion;
  private String occurredAt;
  private String source;
  private String correlationId;
  private String aggregateId;
  /** Where {@code data}'s value starts and ends (exclusive), in the parser's byte offsets. */
  private long dataStart = -1;
  private long dataEnd = -1;

  Envelope(String pointer) {
    this.pointer = pointer;
  }

  /** Reads member {@code name} whose value starts at token {@code t}. */
  void member(String name, JsonToken t, JsonParser p) throws IOException {
    if (!firstTime(name)) {
      violation(name, "appears more than once");
      p.skipChildren();
      return;
    }
    switch (name) {
      case "eventId" -> {
        rawEventId = text(name, t, p, 64);
        if (rawEventId != null) {
          if (Formats.isUuid(rawEventId)) {
            eventId = rawEventId;
          } else {
            violation(name, "must be a UUID, got '" + rawEventId + "'");
          }
        }
      }
      case "eventType" -> {
        eventType = text(name, t, p, MAX_TYPE_LENGTH);
        if (eventType != null && !Formats.isEventType(eventType)) {
          violation(name, "must be dot notation like 'order.created', got '" + eventType + "'");
          eventType = null;
        }
      }
      case "eventVersion" -> readVersion(t, p);
      case "occurredAt" -> {
        occurredAt = text(name, t, p, 64);
        if (occurredAt != null && !Formats.isRfc3339(occurredAt)) {
          violation(name, "must be an RFC 3339 date-time with offset, got '" + occurredAt + "'");
        }
      }
      case "source" -> source = text(name, t, p, MAX_TEXT_LENGTH);
      case "correlationId" -> correlationId = text(name, t, p, MAX_TEXT_LENGTH);
      case "causationId" -> text(name, t, p, MAX_TEXT_LENGTH);
      case "aggregateId" -> aggregateId = text(name, t, p, MAX_TEXT_LENGTH);
      case "subject" -> text(name, t, p, MAX_TEXT_LENGTH);
      case "dataSchema" -> {
        String uri = text(name, t, p, MAX_TEXT_LENGTH);
        if (uri != null && !Formats.isAbsoluteUri(uri)) {
          violation(name, "must be an absolute URI, got '" + clip(uri) + "'");
        }
      }
      case "extensions" -> Extensions.read(t, p, pointer + "/extensions", violations);
      case "data" -> {
        if (t != JsonToken.START_OBJECT) {
          violation(name, "must be a JSON object, got " + EnvelopeReader.kind(t));
        }
        dataStart = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        dataEnd = p.currentLocation().getByteOffset();
      }
      default -> {
        violations.add(
            new Violation(
                pointer + "/" + escape(name),
                "is not an envelope member (payload fields belong in /data)"));
        p.skipChildren();
      }
    }
  }

  /** Checks for missing required members once the object has been read. */
  void finish() {
    for (int i = 0; i < REQUIRED; i++) {
      if ((seen & (1 << i)) == 0) {
        violation(MEMBERS[i], "is required");
      }
    }
  }

  /** Marks a known member as seen; false when it was seen before. Unknown names are always first. */
  private boolean firstTime(String name) {
    for (int i = 0; i < MEMBERS.length; i++) {
      if (MEMBERS[i].equals(name)) {
        boolean first = (seen & (1 << i)) == 0;
        seen |= 1 << i;
        return first;
      }
    }
    return true;
  }

  Event toEvent(int index, String defaultCorrelationId, byte[] value) {
    return new Event(
        index,
        eventId,
        eventType,
        eventVersion,
        aggregateId,
        correlationId != null ? correlationId : defaultCorrelationId,
        value);
  }

  String eventType() {
    return eventType;
  }

  String eventVersion() {
    return eventVersion;
  }

  long dataStart() {
    return dataStart;
  }

  long dataEnd() {
    return dataEnd;
  }

  /** The id to show the client next to its rejection, when the envelope had a readable one. */
  String eventIdForReport() {
    return rawEventId;
  }

  private void readVersion(JsonToken t, JsonParser p) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      long v = p.getLongValue();
      if (v < 1 || v > Integer.MAX_VALUE) {
        violation("eventVersion", "must be a positive integer, got " + p.getText());
      } else {
        eventVersion = Long.toString(v);
      }
    } else if (t == JsonToken.VALUE_STRING) {
      String v = p.getText();
      if (VERSION.matcher(v).matches()) {
        eventVersion = v;
      } else {
        violation("eventVersion", "must be a positive integer or a version like '1.2', got '" + clip(v) + "'");
      }
    } else {
      violation("eventVersion", "must be a positive integer or a string, got " + EnvelopeReader.kind(t));
      p.skipChildren();
    }
  }

  /** The text of a string member, or null with a violation when it is not a usable string. */
  private String text(String name, JsonToken t, JsonParser p, int maxLength) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      violation(name, "must be a string, got " + EnvelopeReader.kind(t));
      p.skipChildren();
      return null;
    }
    String v = p.getText();
    if (v.isBlank()) {
      violation(name, "must not be empty");
      return null;
    }
    if (v.length() > maxLength) {
      violation(name, "must be at most " + maxLength + " characters, got " + v.length());
      return null;
    }
    return v;
  }

  private void violation(String name, String message) {
    violations.add(new Violation(pointer + "/" + name, message));
  }

  /** RFC 6901 escaping of a member name inside a pointer. */
  static String escape(String name) {
    return clip(name).replace("~", "~0").replace("/", "~1");
  }

  private static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
