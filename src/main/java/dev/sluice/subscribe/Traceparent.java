package dev.sluice.subscribe;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** W3C trace context: the {@code traceparent} a delivery sends is a child of the message's (a new span id). */
final class Traceparent {

  private static final Pattern VALID = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private Traceparent() {}

  /** The message's trace id and flags with a new span id; a new trace when {@code parent} is absent or invalid. */
  static String child(String parent) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    if (parent != null && VALID.matcher(parent).matches() && !parent.startsWith("00-00000000000000000000000000000000")) {
      return parent.substring(0, 36) + hex(r.nextLong()) + parent.substring(52);
    }
    return "00-" + hex(r.nextLong()) + hex(r.nextLong()) + "-" + hex(r.nextLong()) + "-01";
  }

  private static String hex(long v) {
    String s = Long.toHexString(v == 0 ? 1 : v);
    return "0".repeat(16 - s.length()) + s;
  }
}
