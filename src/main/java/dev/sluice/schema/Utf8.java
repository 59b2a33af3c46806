package dev.sluice.schema;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * UTF-8 checks of request text (RFC 8259 allows nothing else; RFC 3629 says what UTF-8 is): its
 * optional byte-order mark, the signs of UTF-16 and UTF-32 that would make the JSON parser switch
 * encodings (and lose the byte offsets the envelope's value is cut by), and every byte sequence that
 * is not UTF-8 — including those the parser lets through (overlong forms, surrogates, code points past
 * U+10FFFF) and those inside {@code data}, which it skips without decoding.
 */
public final class Utf8 {

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  private Utf8() {}

  /** Where the text starts: after a UTF-8 byte-order mark (EF BB BF) at {@code from}, else {@code from}. */
  static int skipByteOrderMark(byte[] b, int from, int to) {
    if (to - from >= 3 && b[from] == (byte) 0xEF && b[from + 1] == (byte) 0xBB && b[from + 2] == (byte) 0xBF) {
      return from + 3;
    }
    return from;
  }

  /**
   * Why the text starting at {@code from} is not UTF-8 judging by its first bytes — what a parser that
   * guesses the encoding looks at: another byte-order mark, or a zero byte among the first two (UTF-16
   * and UTF-32 text); {@code null} when nothing there says so. {@code what} names the text ("body").
   */
  static String otherEncoding(byte[] b, int from, int to, String what) {
    int n = to - from;
    if (n >= 2 && b[from] == (byte) 0xFE && b[from + 1] == (byte) 0xFF) {
      return "the " + what + " starts with FE FF, the byte-order mark of UTF-16BE";
    }
    if (n >= 2 && b[from] == (byte) 0xFF && b[from + 1] == (byte) 0xFE) {
      return "the " + what + " starts with FF FE, the byte-order mark of UTF-16LE or UTF-32LE";
    }
    if ((n >= 1 && b[from] == 0) || (n >= 2 && b[from + 1] == 0)) {
      return "a zero byte in the first two bytes of the " + what + ", as in UTF-16 or UTF-32";
    }
    return null;
  }

  /**
   * The index of the first byte of the first sequence in {@code [from, to)} that is not UTF-8, or -1
   * when all of it is. ASCII is checked sixteen bytes at a time (about 0.05 ms per MB).
   */
  static int firstInvalid(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      while (i + 16 <= to && (((long) LONGS.get(b, i) | (long) LONGS.get(b, i + 8)) & HIGH_BITS) == 0) {
        i += 16;
      }
      while (i + 8 <= to && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
        i += 8;
      }
      if (i >= to) {
        return -1;
      }
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int more;
      int min = 0x80; // the second byte's range narrows for the lead bytes of overlong, surrogate and too large forms
      int max = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        more = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        more = 2;
        min = c == 0xE0 ? 0xA0 : 0x80;
        max = c == 0xED ? 0x9F : 0xBF;
      } else if (c >= 0xF0 && c <= 0xF4) {
        more = 3;
        min = c == 0xF0 ? 0x90 : 0x80;
        max = c == 0xF4 ? 0x8F : 0xBF;
      } else {
        return i; // a continuation byte without its lead, C0/C1 (overlong) or F5..FF (never used)
      }
      if (i + more >= to) {
        return i;
      }
      int second = b[i + 1] & 0xFF;
      if (second < min || second > max) {
        return i;
      }
      for (int k = 2; k <= more; k++) {
        if ((b[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += more + 1;
    }
    return -1;
  }

  /**
   * Why {@code b} (a whole JSON text, e.g. a gRPC event's {@code data}) is not UTF-8, or null when it
   * is: another encoding's signs at its start, else the first byte sequence that is not UTF-8.
   */
  public static String problem(byte[] b, String what) {
    String other = otherEncoding(b, 0, b.length, what);
    if (other != null) {
      return other;
    }
    int bad = firstInvalid(b, 0, b.length);
    return bad < 0 ? null : "invalid UTF-8 at byte " + bad + " (" + describe(b, bad, b.length) + ")";
  }

  /** The bytes of a bad sequence in hex, e.g. {@code C0 AF}: its lead and the continuation bytes after it. */
  static String describe(byte[] b, int at, int to) {
    StringBuilder s = new StringBuilder(String.format("%02X", b[at] & 0xFF));
    for (int i = at + 1; i < to && i < at + 4 && (b[i] & 0xC0) == 0x80; i++) {
      s.append(String.format(" %02X", b[i] & 0xFF));
    }
    return s.toString();
  }
}
