package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EnvelopeReaderTest {

  private static final String ID1 = "7b0e5a4e-3f7c-4d2a-9a57-1f0d1c2b3a4e";
  private static final String ID2 = "0c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5";

  private final EnvelopeReader reader = new EnvelopeReader(3);

  static String envelope(String id, String extra) {
    return "{\"eventId\":\"" + id + "\",\"eventType\":\"order.created\",\"eventVersion\":1,"
        + "\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"checkout\"" + extra + ",\"data\":{\"n\":[1,{\"x\":2}]}}";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private ReadResult json(String body) {
    byte[] b = bytes(body);
    return reader.readJson(b, b.length, "req-corr");
  }

  private ReadResult ndjson(String body) {
    byte[] b = bytes(body);
    return reader.readNdjson(b, b.length, "req-corr");
  }

  @Test
  void readsOneEnvelopeAndKeepsItsBytesAsSent() {
    String body = "  " + envelope(ID1, ",\"aggregateId\":\"order-42\",\"correlationId\":\"c-1\"") + "\n";
    ReadResult r = json(body);

    assertThat(r.failure()).isNull();
    assertThat(r.single()).isTrue();
    assertThat(r.rejections()).isEmpty();
    Event e = r.events().get(0);
    assertThat(e.eventId()).isEqualTo(ID1);
    assertThat(e.eventType()).isEqualTo("order.created");
    assertThat(e.eventVersion()).isEqualTo("1");
    assertThat(e.key()).isEqualTo("order-42");
    assertThat(e.correlationId()).isEqualTo("c-1");
    assertThat(new String(e.value(), StandardCharsets.UTF_8)).isEqualTo(body.trim());
  }

  @Test
  void keysByEventIdAndUsesTheRequestCorrelationWhenAbsent() {
    Event e = json(envelope(ID1, "")).events().get(0);
    assertThat(e.key()).isEqualTo(ID1);
    assertThat(e.correlationId()).isEqualTo("req-corr");
  }

  @Test
  void slicesEachArrayElementExactly() {
    String a = envelope(ID1, "");
    String b = envelope(ID2, ",\"aggregateId\":\"k\"");
    ReadResult r = json("[ " + a + " ,\n" + b + "]");

    assertThat(r.single()).isFalse();
    assertThat(r.total()).isEqualTo(2);
    assertThat(r.events()).extracting(Event::index).containsExactly(0, 1);
    assertThat(new String(r.events().get(0).value(), StandardCharsets.UTF_8)).isEqualTo(a);
    assertThat(new String(r.events().get(1).value(), StandardCharsets.UTF_8)).isEqualTo(b);
  }

  @Test
  void readsNdjsonLinesSkippingBlankOnesAndCarriageReturns() {
    String a = envelope(ID1, "");
    String b = envelope(ID2, "");
    ReadResult r = ndjson(a + "\r\n\n   \n  " + b + "\r\n");

    assertThat(r.failure()).isNull();
    assertThat(r.events()).hasSize(2);
    assertThat(new String(r.events().get(1).value(), StandardCharsets.UTF_8)).isEqualTo(b);
    assertThat(r.events().get(1).index()).isEqualTo(1);
  }

  @Test
  void listsEveryViolationWithItsPointer() {
    ReadResult r =
        json("[" + envelope(ID1, "") + ",{\"eventId\":\"nope\",\"eventType\":\"created\",\"eventVersion\":0,"
            + "\"occurredAt\":\"yesterday\",\"source\":\"\",\"data\":[],\"total\":3}]");

    assertThat(r.events()).hasSize(1);
    Rejection rej = r.rejections().get(0);
    assertThat(rej.index()).isEqualTo(1);
    assertThat(rej.eventId()).isEqualTo("nope");
    assertThat(rej.failure()).isEqualTo(Failure.INVALID_ENVELOPE);
    assertThat(rej.violations())
        .extracting(Violation::pointer)
        .containsExactly(
            "/1/eventId", "/1/eventType", "/1/eventVersion", "/1/occurredAt", "/1/source", "/1/data", "/1/total");
  }

  @Test
  void reportsMissingRequiredMembers() {
    ReadResult r = json("{\"data\":{}}");

    assertThat(r.single()).isTrue();
    assertThat(r.rejections().get(0).violations())
        .extracting(Violation::pointer, Violation::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/eventId", "is required"),
            org.assertj.core.groups.Tuple.tuple("/eventType", "is required"),
            org.assertj.core.groups.Tuple.tuple("/eventVersion", "is required"),
            org.assertj.core.groups.Tuple.tuple("/occurredAt", "is required"),
            org.assertj.core.groups.Tuple.tuple("/source", "is required"));
  }

  @Test
  void rejectsWrongTypesWithoutLosingTheRest() {
    ReadResult r = json("{\"eventId\":{\"a\":[1]},\"eventType\":null,\"eventVersion\":\"1.2\",\"occurredAt\":"
        + "\"2026-02-30T10:00:00Z\",\"source\":\"s\",\"data\":{}}");

    assertThat(r.rejections().get(0).violations())
        .extracting(Violation::pointer, Violation::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/eventId", "must be a string, got an object"),
            org.assertj.core.groups.Tuple.tuple("/eventType", "must be a string, got null"),
            org.assertj.core.groups.Tuple.tuple(
                "/occurredAt", "must be an RFC 3339 date-time with offset, got '2026-02-30T10:00:00Z'"));
  }

  @Test
  void acceptsStringVersionsAndOffsets() {
    ReadResult r = json("{\"eventId\":\"" + ID1.toUpperCase() + "\",\"eventType\":\"Order.item_added-v2\","
        + "\"eventVersion\":\"2.1\",\"occurredAt\":\"2026-11-23t10:15:30.123456+05:30\",\"source\":\"s\","
        + "\"causationId\":\"c\",\"data\":{}}");

    assertThat(r.rejections()).isEmpty();
    assertThat(r.events().get(0).eventVersion()).isEqualTo("2.1");
  }

  @Test
  void escapesMemberNamesInPointers() {
    ReadResult r = json(envelope(ID1, ",\"a/b~c\":1"));
    assertThat(r.rejections().get(0).violations()).extracting(Violation::pointer).containsExactly("/a~1b~0c");
  }

  @Test
  void rejectsArrayElementsThatAreNotObjects() {
    ReadResult r = json("[" + envelope(ID1, "") + ",42,\"x\"]");
    assertThat(r.events()).hasSize(1);
    assertThat(r.rejections())
        .extracting(rj -> rj.violations().get(0).pointer() + " " + rj.violations().get(0).message())
        .containsExactly("/1 must be a JSON object, got a number", "/2 must be a JSON object, got a string");
  }

  @Test
  void namesLineAndColumnOfMalformedJson() {
    ReadResult r = json("{\n  \"eventId\": \"x\",\n  \"eventType\" \"a\"\n}");
    assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
    assertThat(r.message()).startsWith("malformed JSON at line 3, column 15");
  }

  @Test
  void namesTheLineOfMalformedNdjson() {
    ReadResult r = ndjson(envelope(ID1, "") + "\n\n  {\"eventId\": tru}\n");
    assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
    assertThat(r.message()).startsWith("malformed JSON at line 3, column ");
  }

  @Test
  void refusesTwoValuesOnOneNdjsonLine() {
    ReadResult r = ndjson(envelope(ID1, "") + " {}");
    assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
    assertThat(r.message()).contains("line 1").contains("more than one value");
  }

  @Test
  void refusesTrailingContentAfterTheValue() {
    ReadResult r = json(envelope(ID1, "") + " x");
    assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
  }

  @Test
  void reportsARepeatedMemberAsAViolation() {
    ReadResult r = json(envelope(ID1, ",\"eventId\":\"" + ID2 + "\""));
    assertThat(r.failure()).isNull();
    assertThat(r.rejections().get(0).violations())
        .extracting(Violation::pointer, Violation::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("/eventId", "appears more than once"));
  }

  @Test
  void checksEventTypesSegmentBySegment() {
    assertThat(Formats.isEventType("order.created")).isTrue();
    assertThat(Formats.isEventType("Shop.order-v2.item_added")).isTrue();
    assertThat(Formats.isEventType("order")).isFalse();
    assertThat(Formats.isEventType("order.")).isFalse();
    assertThat(Formats.isEventType(".order")).isFalse();
    assertThat(Formats.isEventType("order..created")).isFalse();
    assertThat(Formats.isEventType("order.1created")).isFalse();
    assertThat(Formats.isEventType("order.cré")).isFalse();
  }

  @Test
  void checksRfc3339DatesAgainstTheCalendar() {
    assertThat(Formats.isRfc3339("2026-11-23T10:15:30Z")).isTrue();
    assertThat(Formats.isRfc3339("2024-02-29T23:59:60.123456789-08:00")).isTrue();
    assertThat(Formats.isRfc3339("2025-02-29T10:00:00Z")).isFalse();
    assertThat(Formats.isRfc3339("1900-02-29T10:00:00Z")).isFalse();
    assertThat(Formats.isRfc3339("2000-02-29T10:00:00Z")).isTrue();
    assertThat(Formats.isRfc3339("2026-04-31T10:00:00Z")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T24:00:00Z")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T10:15Z")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T10:15:30")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T10:15:30.Z")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T10:15:30.1234567890Z")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T10:15:30+24:00")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23 10:15:30Z")).isFalse();
    assertThat(Formats.isRfc3339("2026-11-23T10:15:30Zx")).isFalse();
  }

  @Test
  void refusesEmptyBodiesAndBatches() {
    assertThat(json("").failure()).isEqualTo(Failure.EMPTY_BODY);
    assertThat(json(" [ ] ").failure()).isEqualTo(Failure.EMPTY_BODY);
    assertThat(ndjson("\n \n").failure()).isEqualTo(Failure.EMPTY_BODY);
  }

  @Test
  void refusesMoreEventsThanTheLimit() {
    String e = envelope(ID1, "");
    assertThat(json("[" + e + "," + e + "," + e + "]").failure()).isNull();
    assertThat(json("[" + e + "," + e + "," + e + "," + e + "]").failure()).isEqualTo(Failure.TOO_MANY_EVENTS);
    assertThat(ndjson(e + "\n" + e + "\n" + e + "\n" + e).failure()).isEqualTo(Failure.TOO_MANY_EVENTS);
  }

  @Test
  void readsOnlyTheGivenLengthOfTheBuffer() {
    byte[] body = bytes(envelope(ID1, "") + "garbage after the length");
    int length = envelope(ID1, "").length();
    ReadResult r = reader.readJson(body, length, "c");
    assertThat(r.failure()).isNull();
    assertThat(r.events().get(0).value()).hasSize(length);
  }

  @Test
  void treatsATopLevelScalarAsAnInvalidEnvelope() {
    ReadResult r = json("42");
    assertThat(r.single()).isTrue();
    assertThat(r.rejections().get(0).violations().get(0).message()).isEqualTo("must be a JSON object, got a number");
  }

  // ---------------------------------------------------------------------------------------------
  // encoding: UTF-8 only (RFC 8259), a leading byte-order mark stripped, the value exactly as sent

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private static byte[] concat(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      out.writeBytes(part instanceof byte[] b ? b : bytes((String) part));
    }
    return out.toByteArray();
  }

  private ReadResult json(byte[] body) {
    return reader.readJson(body, body.length, "req-corr");
  }

  private ReadResult ndjson(byte[] body) {
    return reader.readNdjson(body, body.length, "req-corr");
  }

  private static String value(ReadResult r, int i) {
    assertThat(r.failure()).as("%s", r.message()).isNull();
    return new String(r.events().get(i).value(), StandardCharsets.UTF_8);
  }

  @Test
  void stripsAByteOrderMarkBeforeAJsonBodyAndKeepsEachEnvelopeExact() {
    String a = envelope(ID1, "");
    String b = envelope(ID2, ",\"aggregateId\":\"k\"");

    ReadResult single = json(concat(BOM, a));
    ReadResult batch = json(concat(BOM, "[" + a + ",\n " + b + "]"));

    assertThat(value(single, 0)).isEqualTo(a);
    assertThat(value(batch, 0)).isEqualTo(a);
    assertThat(value(batch, 1)).isEqualTo(b);
  }

  @Test
  void stripsAByteOrderMarkAtTheStartOfAnyNdjsonLine() {
    String a = envelope(ID1, "");
    String b = envelope(ID2, "");

    ReadResult first = ndjson(concat(BOM, a, "\n", b, "\n"));
    ReadResult later = ndjson(concat(a, "\r\n", BOM, b, "\n", BOM, "  ", a));

    assertThat(value(first, 0)).isEqualTo(a);
    assertThat(value(first, 1)).isEqualTo(b);
    assertThat(value(later, 0)).isEqualTo(a);
    assertThat(value(later, 1)).isEqualTo(b);
    assertThat(value(later, 2)).isEqualTo(a);
  }

  /** A WebSocket message is read as NDJSON when a JSON value is followed by more on further lines. */
  @Test
  void callsALineAfterTheValueTrailingContentEvenWhenItStartsWithAByteOrderMark() {
    ReadResult r = json(concat(BOM, envelope(ID1, ""), "\n", BOM, envelope(ID2, ""), "\n"));
    assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
    assertThat(r.message()).isEqualTo("malformed JSON at line 2, column 1: " + EnvelopeReader.TRAILING_CONTENT);
  }

  @Test
  void refusesAByteOrderMarkInsideTheText() {
    ReadResult r = json(concat("[", BOM, envelope(ID1, ""), "]"));
    assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
    assertThat(r.message()).startsWith("malformed JSON at line 1, column ");
  }

  @Test
  void refusesUtf16AndUtf32BodiesNamingTheEncoding() {
    String e = envelope(ID1, "");
    for (String cs : new String[] {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE"}) {
      Charset charset = Charset.forName(cs);
      for (String text : new String[] {e, "\uFEFF" + e, "\n" + e}) {
        byte[] body = text.getBytes(charset);
        for (ReadResult r : new ReadResult[] {json(body), ndjson(body)}) {
          assertThat(r.failure()).as("%s %s", cs, r.message()).isEqualTo(Failure.MALFORMED_JSON);
          assertThat(r.message()).as(cs).contains("not UTF-8").contains("RFC 8259");
        }
      }
    }
    assertThat(json("\uFEFF{}".getBytes(StandardCharsets.UTF_16LE)).message())
        .isEqualTo("malformed JSON at line 1, column 1: not UTF-8: the body starts with FF FE, the byte-order"
            + " mark of UTF-16LE or UTF-32LE; JSON must be UTF-8 (RFC 8259)");
    assertThat(ndjson(concat(e, "\n", "{}".getBytes(StandardCharsets.UTF_16BE))).message())
        .isEqualTo("malformed JSON at line 2, column 1: not UTF-8: a zero byte in the first two bytes of the"
            + " line, as in UTF-16 or UTF-32; JSON must be UTF-8 (RFC 8259)");
  }

  @Test
  void refusesInvalidUtf8AnywhereNamingLineAndColumn() {
    String[] invalid = {
      "80", // a continuation byte without a lead byte
      "C3", // a lead byte without its continuation
      "C0AF", // overlong '/'
      "E080AF", // overlong '/' in three bytes
      "EDA080", // a UTF-16 surrogate (U+D800)
      "F4908080", // beyond U+10FFFF
      "F5808080", // a lead byte UTF-8 never uses
      "FF"
    };
    String head = "{\"eventId\":\"" + ID1 + "\",\"eventType\":\"order.created\",\"eventVersion\":1,"
        + "\"occurredAt\":\"2026-11-23T10:15:30Z\",";
    for (String hex : invalid) {
      byte[] bad = HexFormat.of().parseHex(hex);
      byte[][] bodies = {
        concat(head, "\"source\":\"s", bad, "\",\"data\":{}}"),
        concat(head, "\"source\":\"s\",\"data\":{\"v\":\"x", bad, "y\"}}"),
        concat(head, "\"source\":\"s\",\"data\":{\"k", bad, "\":1}}"),
        concat(head, "\"source\":\"s\",\"data\":{\"a\":[{\"b\":\"", bad, "\"}]}}")
      };
      for (byte[] body : bodies) {
        int column = indexOf(body, bad) + 1;
        ReadResult single = json(body);
        assertThat(single.failure()).as("%s %s", hex, single.message()).isEqualTo(Failure.MALFORMED_JSON);
        assertThat(single.message())
            .as(hex)
            .startsWith("malformed JSON at line 1, column " + column + ": invalid UTF-8");
        ReadResult lines = ndjson(concat(envelope(ID2, ""), "\n\n", body, "\n"));
        assertThat(lines.failure()).as("%s %s", hex, lines.message()).isEqualTo(Failure.MALFORMED_JSON);
        assertThat(lines.message())
            .as(hex)
            .startsWith("malformed JSON at line 3, column " + column + ": invalid UTF-8");
      }
    }
  }

  @Test
  void keepsValidMultiByteCharactersExactly() {
    // 2, 3 and 4 bytes, at the edges of each range: U+00E9, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF
    String text = "caf\u00e9 \u0800 \ud7ff \ue000 \uffff \ud800\udc00 \ud83d\ude00 \udbff\udfff";
    String e =
        "{\"eventId\":\"" + ID1 + "\",\"eventType\":\"order.created\",\"eventVersion\":1,"
            + "\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"" + text + "\","
            + "\"data\":{\"" + text + "\":[\"" + text + "\"]}}";

    assertThat(value(json(bytes(e)), 0)).isEqualTo(e);
    assertThat(value(ndjson(bytes(e + "\n" + e)), 1)).isEqualTo(e);
  }

  private static int indexOf(byte[] body, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= body.length; i++) {
      for (int k = 0; k < part.length; k++) {
        if (body[i + k] != part[k]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
