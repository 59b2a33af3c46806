package dev.sluice.ingest;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Request and correlation ids: random version-4 UUIDs without SecureRandom's cost on the hot path. */
final class Ids {

  private Ids() {}

  static String random() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** A client-given id is used when it is 1-255 visible ASCII characters. */
  static boolean usable(String id) {
    if (id == null || id.isEmpty() || id.length() > 255) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** W3C trace-context {@code traceparent}: version-traceid-parentid-flags, lower-case hex. */
  static boolean validTraceparent(String v) {
    return v != null && v.matches("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
        && !v.startsWith("ff")
        && !v.regionMatches(3, "00000000000000000000000000000000", 0, 32)
        && !v.regionMatches(36, "0000000000000000", 0, 16);
  }
}
