package dev.sluice.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Malformed request bodies for fuzzing, from a {@link Random} (a seeded one gives the same bytes every
 * run): mutations of valid envelopes, batches, NDJSON and CloudEvents (flipped, inserted, deleted and
 * duplicated bytes, truncations, invalid UTF-8, byte-order marks, wrong member types, huge numbers),
 * deep nesting and random bytes. Shared by the readers' property tests and {@code FuzzIT}.
 */
public final class Malformed {

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  /** Byte sequences that are not UTF-8: overlong, surrogate, out of range, lone continuation, truncated. */
  private static final byte[][] NOT_UTF8 = {
    {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80,
      (byte) 0x80}, {(byte) 0x80}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xFE, (byte) 0xFF}
  };
  private static final String[] ODD_VALUES = {
    "1" + "0".repeat(400), "1e999999", "-1e-999999", "0.0000000000000000000000000001", "-0", "NaN", "Infinity",
    "null", "true", "[]", "{}", "\"\"", "\"\\u0000\"", "\"\\uD800\"", "\"\\ud83d\\ude00\"", "123456789012345678901",
    "{\"a\":" + "[".repeat(50) + "]".repeat(50) + "}", "\"" + "x".repeat(5000) + "\"", "'single'", "\"\\x41\""
  };
  private static final String[] MEMBERS = {
    "eventId", "eventType", "eventVersion", "occurredAt", "source", "correlationId", "aggregateId", "data",
    "specversion", "id", "type", "time", "datacontenttype", "data_base64", "causationId"
  };

  private Malformed() {}

  /** A valid native envelope (a fresh id from {@code r}) of {@code eventType}. */
  public static String envelope(Random r, String eventType) {
    return Envelopes.envelope(new java.util.UUID(r.nextLong(), r.nextLong()).toString(), eventType);
  }

  /** A valid structured-mode CloudEvent of {@code type}. */
  public static String cloudEvent(Random r, String type) {
    return "{\"specversion\":\"1.0\",\"id\":\"" + Long.toHexString(r.nextLong()) + "\",\"source\":\"/fuzz\","
        + "\"type\":\"" + type + "\",\"time\":\"" + Envelopes.OCCURRED_AT + "\",\"datacontenttype\":"
        + "\"application/json\",\"data\":{\"n\":" + r.nextInt(1000) + "}}";
  }

  /** A valid body of one of the native forms: an envelope, an array or NDJSON (two to four events). */
  public static byte[] validNative(Random r, String eventType, boolean ndjson) {
    int n = 1 + r.nextInt(4);
    List<String> events = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(envelope(r, eventType));
    }
    if (ndjson) {
      return Envelopes.ndjson(events);
    }
    return n == 1 ? events.get(0).getBytes(StandardCharsets.UTF_8) : Envelopes.jsonArray(events);
  }

  /** Applies one to three mutations to {@code valid} (which is not changed). */
  public static byte[] mutate(Random r, byte[] valid) {
    byte[] b = valid;
    int times = 1 + r.nextInt(3);
    for (int i = 0; i < times; i++) {
      b = mutateOnce(r, b);
    }
    return b;
  }

  /** Any of: a mutation of {@code valid}, deep nesting, random bytes, an empty body. */
  public static byte[] any(Random r, byte[] valid) {
    int k = r.nextInt(20);
    if (k == 0) {
      return deepNesting(r);
    } else if (k == 1) {
      return randomBytes(r, 1 + r.nextInt(300));
    } else if (k == 2) {
      return new byte[0];
    }
    return mutate(r, valid);
  }

  /** Arrays and objects nested past any sane depth (some of them closed). */
  public static byte[] deepNesting(Random r) {
    int depth = 50 + r.nextInt(5000);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      sb.append(r.nextBoolean() ? "[" : "{\"a\":");
    }
    if (r.nextBoolean()) {
      String open = sb.toString();
      for (int i = open.length() - 1; i >= 0; i--) {
        char c = open.charAt(i);
        if (c == '[') {
          sb.append(']');
        } else if (c == '{') {
          sb.append('}');
        }
      }
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  public static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] mutateOnce(Random r, byte[] b) {
    int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
    switch (r.nextInt(12)) {
      case 0: { // flip a byte
        if (b.length == 0) {
          return b;
        }
        byte[] c = b.clone();
        c[Math.min(at, c.length - 1)] ^= (byte) (1 << r.nextInt(8));
        return c;
      }
      case 1:
        return insert(b, at, new byte[] {(byte) r.nextInt(256)});
      case 2: { // delete a range
        int len = Math.min(b.length - Math.min(at, b.length), 1 + r.nextInt(16));
        return concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(at + len, b.length), b.length));
      }
      case 3: // truncate
        return Arrays.copyOf(b, at);
      case 4: { // duplicate a range
        int len = Math.min(b.length - at, 1 + r.nextInt(64));
        return insert(b, at, Arrays.copyOfRange(b, at, at + len));
      }
      case 5:
        return insert(b, at, NOT_UTF8[r.nextInt(NOT_UTF8.length)]);
      case 6:
        return insert(b, r.nextBoolean() ? 0 : at, BOM);
      case 7:
        return replaceValue(r, b, ODD_VALUES[r.nextInt(ODD_VALUES.length)]);
      case 8: // a member again, or one that does not belong, with an odd value
        return insert(b, at, (",\"" + MEMBERS[r.nextInt(MEMBERS.length)] + "\":"
            + ODD_VALUES[r.nextInt(ODD_VALUES.length)]).getBytes(StandardCharsets.UTF_8));
      case 9:
        return insert(b, at, new byte[] {(byte) r.nextInt(32)}); // a control character
      case 10: // a structural character
        return insert(b, at, new byte[] {(byte) "{}[],:\"\\\n".charAt(r.nextInt(9))});
      default: // wrap in an array or an object
        return r.nextBoolean() ? concat("[".getBytes(StandardCharsets.US_ASCII), b, "]".getBytes(
            StandardCharsets.US_ASCII)) : concat("{\"x\":".getBytes(StandardCharsets.US_ASCII), b,
            "}".getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Replaces the value of a random {@code "member":} with {@code value}. */
  private static byte[] replaceValue(Random r, byte[] b, String value) {
    String s = new String(b, StandardCharsets.ISO_8859_1);
    String member = "\"" + MEMBERS[r.nextInt(MEMBERS.length)] + "\":";
    int m = s.indexOf(member);
    if (m < 0) {
      return b;
    }
    int start = m + member.length();
    int end = start;
    if (end < s.length() && s.charAt(end) == '"') {
      end = s.indexOf('"', end + 1) + 1;
      if (end == 0) {
        return b;
      }
    } else {
      while (end < s.length() && ",}]\n".indexOf(s.charAt(end)) < 0) {
        end++;
      }
    }
    return concat(Arrays.copyOf(b, start), value.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(b, end,
        b.length));
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    return concat(Arrays.copyOf(b, at), what, Arrays.copyOfRange(b, at, b.length));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
