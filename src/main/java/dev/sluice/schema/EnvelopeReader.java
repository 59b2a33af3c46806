package dev.sluice.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads request bodies into events in one streaming pass: parses, checks every envelope member, keeps
 * each valid envelope's bytes exactly as the client sent them (no re-serialisation), and collects every
 * violation with its JSON pointer (a repeated envelope member is one; inside {@code data} it is left to
 * the payload's schema: the {@code data} bytes of each otherwise valid envelope go to the {@link
 * PayloadCheck}, whose refusal rejects the event). Text must be UTF-8 throughout, {@code data} included
 * (RFC 8259); a byte-order mark before a body or an NDJSON line is skipped and never part of a value.
 * Stateless and thread-safe.
 */
public final class EnvelopeReader {

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100).build())
          .build();

  /** How a body with content after its JSON value is described (the end of the failure message). */
  public static final String TRAILING_CONTENT = "unexpected content after the value";

  private final int maxEvents;
  private final PayloadCheck payloads;

  public EnvelopeReader(int maxEvents) {
    this(maxEvents, PayloadCheck.NONE);
  }

  /** @param payloads checks the {@code data} of every envelope that is otherwise valid */
  public EnvelopeReader(int maxEvents, PayloadCheck payloads) {
    this.maxEvents = maxEvents;
    this.payloads = payloads;
  }

  /**
   * Reads an {@code application/json} body: one envelope, or an array of them. A leading byte-order
   * mark is skipped; text that is not UTF-8 is refused.
   */
  public ReadResult readJson(byte[] body, int length, String defaultCorrelationId) {
    int from = Utf8.skipByteOrderMark(body, 0, length);
    ReadResult notUtf8 = encodingFailure(body, from, length);
    if (notUtf8 != null) {
      return notUtf8;
    }
    Collector out = new Collector(defaultCorrelationId, expectedEvents(length));
    try (JsonParser p = JSON.createParser(body, from, length - from)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return ReadResult.failed(Failure.EMPTY_BODY, "the body is empty");
      }
      boolean single = t != JsonToken.START_ARRAY;
      if (single) {
        readElement(p, t, 0, "", body, from, out);
      } else {
        int index = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (index == maxEvents) {
            return tooMany();
          }
          readElement(p, t, index, "/" + index, body, from, out);
          index++;
        }
        if (index == 0) {
          return ReadResult.failed(Failure.EMPTY_BODY, "the batch is empty");
        }
      }
      // what follows the value is looked at here, not by the parser: it may be a line of NDJSON that
      // starts with a byte-order mark, which the parser refuses as a character it cannot read
      int rest = skipWhitespace(body, from + (int) p.currentLocation().getByteOffset(), length);
      if (rest < length) {
        return ReadResult.failed(
            Failure.MALFORMED_JSON, "malformed JSON at " + position(body, rest) + ": " + TRAILING_CONTENT);
      }
      return out.result(single);
    } catch (JsonProcessingException e) {
      return ReadResult.failed(
          Failure.MALFORMED_JSON, "malformed JSON at " + where(e.getLocation(), from) + ": " + reason(e));
    } catch (IOException e) {
      return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON: " + e.getMessage());
    }
  }

  /**
   * Reads an {@code application/x-ndjson} body: one envelope per line, blank lines skipped. A
   * byte-order mark at the start of a line is skipped; a line that is not UTF-8 is refused.
   */
  public ReadResult readNdjson(byte[] body, int length, String defaultCorrelationId) {
    int from = Utf8.skipByteOrderMark(body, 0, length);
    ReadResult notUtf8 = encodingFailure(body, from, length);
    if (notUtf8 != null) {
      return notUtf8;
    }
    Collector out = new Collector(defaultCorrelationId, expectedEvents(length));
    int index = 0;
    int line = 0;
    int pos = 0;
    while (pos < length) {
      line++;
      int lineStart = pos;
      int lineEnd = indexOf(body, (byte) '\n', pos, length);
      int start = skipWhitespace(body, Utf8.skipByteOrderMark(body, pos, lineEnd), lineEnd);
      pos = lineEnd + 1;
      if (start == lineEnd) {
        continue;
      }
      if (index == maxEvents) {
        return tooMany();
      }
      String other = Utf8.otherEncoding(body, start, lineEnd, "line");
      if (other != null) {
        return notUtf8("line " + line + ", column " + (start - lineStart + 1), "not UTF-8: " + other);
      }
      try (JsonParser p = JSON.createParser(body, start, lineEnd - start)) {
        readElement(p, p.nextToken(), index, "/" + index, body, start, out);
        if (p.nextToken() != null) {
          return ReadResult.failed(
              Failure.MALFORMED_JSON,
              "malformed JSON at line " + line + ", column " + column(p.currentTokenLocation(), start, body)
                  + ": more than one value on the line");
        }
      } catch (JsonProcessingException e) {
        return ReadResult.failed(
            Failure.MALFORMED_JSON,
            "malformed JSON at line " + line + ", column " + column(e.getLocation(), start, body) + ": "
                + reason(e));
      } catch (IOException e) {
        return ReadResult.failed(Failure.MALFORMED_JSON, "malformed JSON at line " + line + ": " + e);
      }
      index++;
    }
    if (index == 0) {
      return ReadResult.failed(Failure.EMPTY_BODY, "the body holds no event");
    }
    return out.result(false);
  }

  private static ReadResult notUtf8(String position, String what) {
    return ReadResult.failed(
        Failure.MALFORMED_JSON, "malformed JSON at " + position + ": " + what + "; JSON must be UTF-8 (RFC 8259)");
  }

  /**
   * The refusal of a body that is not UTF-8 (its first bytes say it is another encoding, or a byte
   * sequence is invalid), naming line and column (in bytes); null when it is UTF-8. {@code from} is
   * where its text starts, after a byte-order mark.
   */
  private static ReadResult encodingFailure(byte[] body, int from, int length) {
    String other = Utf8.otherEncoding(body, from, length, "body");
    if (other != null) {
      return notUtf8("line 1, column " + (from + 1), "not UTF-8: " + other);
    }
    int bad = Utf8.firstInvalid(body, from, length);
    if (bad < 0) {
      return null;
    }
    return notUtf8(position(body, bad), "invalid UTF-8 (" + Utf8.describe(body, bad, length) + ")");
  }

  /** Line and column (in bytes, from 1) of {@code at}. */
  private static String position(byte[] body, int at) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < at; i++) {
      if (body[i] == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return "line " + line + ", column " + (at - lineStart + 1);
  }

  /** A guess of the event count from the body size (envelopes are rarely under 200 bytes). */
  private int expectedEvents(int length) {
    return Math.max(1, Math.min(maxEvents, length / 200 + 1));
  }

  private ReadResult tooMany() {
    return ReadResult.failed(
        Failure.TOO_MANY_EVENTS, "more than " + maxEvents + " events in one request (http.max-batch-events)");
  }

  /**
   * Reads one envelope at token {@code t}. {@code base} is where in {@code body} the parser started
   * (its offsets count from there).
   */
  private void readElement(
      JsonParser p, JsonToken t, int index, String pointer, byte[] body, int base, Collector out)
      throws IOException {
    if (t != JsonToken.START_OBJECT) {
      out.reject(index, null, Failure.INVALID_ENVELOPE,
          List.of(new Violation(pointer, "must be a JSON object, got " + kind(t))));
      p.skipChildren();
      return;
    }
    long tokenStart = p.currentTokenLocation().getByteOffset();
    Envelope env = new Envelope(pointer);
    JsonToken field;
    while ((field = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      env.member(name, p.nextToken(), p);
    }
    long tokenEnd = p.currentLocation().getByteOffset();
    env.finish();
    PayloadProblem problem =
        env.violations.isEmpty()
            ? payloads.check(env.eventType(), env.eventVersion(), body, base + (int) env.dataStart(),
                base + (int) env.dataEnd(), pointer)
            : null;
    if (problem != null) {
      out.reject(index, env.eventIdForReport(), problem.failure(), problem.violations());
    } else if (env.violations.isEmpty()) {
      int start = base + (int) tokenStart;
      int end = base + (int) tokenEnd;
      byte[] value = start == 0 && end == body.length ? body : Arrays.copyOfRange(body, start, end);
      out.accept(env.toEvent(index, out.defaultCorrelationId, value));
    } else {
      out.reject(index, env.eventIdForReport(), Failure.INVALID_ENVELOPE, env.violations);
    }
    assert field == JsonToken.END_OBJECT;
  }

  private static int indexOf(byte[] body, byte b, int from, int limit) {
    for (int i = from; i < limit; i++) {
      if (body[i] == b) {
        return i;
      }
    }
    return limit;
  }

  /** Skips JSON whitespace; within an NDJSON line there is no newline to skip. */
  private static int skipWhitespace(byte[] body, int from, int limit) {
    int i = from;
    while (i < limit && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
      i++;
    }
    return i;
  }

  /** Line and column; on the first line the column counts from the body's first byte, a byte-order mark too. */
  private static String where(JsonLocation loc, int from) {
    if (loc == null) {
      return "an unknown position";
    }
    return "line " + loc.getLineNr() + ", column " + (loc.getColumnNr() + (loc.getLineNr() == 1 ? from : 0));
  }

  /** Column in the line, counting from the line's first byte (the parser started at {@code start}). */
  private static int column(JsonLocation loc, int start, byte[] body) {
    int leading = 0;
    for (int i = start - 1; i >= 0 && body[i] != '\n'; i--) {
      leading++;
    }
    return loc == null ? leading + 1 : loc.getColumnNr() + leading;
  }

  private static String reason(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return "unreadable";
    }
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  static String kind(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString() == null ? t.name() : t.asString();
    };
  }

  /** Accumulates the valid and invalid events of one body. */
  private static final class Collector {
    final String defaultCorrelationId;
    final List<Event> events;
    List<Rejection> rejections;
    int total;

    Collector(String defaultCorrelationId, int expected) {
      this.defaultCorrelationId = defaultCorrelationId;
      this.events = new ArrayList<>(expected);
    }

    void accept(Event e) {
      events.add(e);
      total++;
    }

    void reject(int index, String eventId, Failure failure, List<Violation> violations) {
      if (rejections == null) {
        rejections = new ArrayList<>();
      }
      rejections.add(new Rejection(index, eventId, failure, violations));
      total++;
    }

    ReadResult result(boolean single) {
      return ReadResult.of(single, total, events, rejections == null ? List.of() : rejections);
    }
  }
}
