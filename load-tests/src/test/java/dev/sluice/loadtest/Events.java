package dev.sluice.loadtest;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Generates valid Sluice envelopes for load tests: a fresh random (version 4) UUID {@code eventId} per
 * event, {@code eventType} {@code bench.measured}, {@code eventVersion} 1, {@code occurredAt} now in RFC
 * 3339, {@code aggregateId} one of {@link #DISTINCT_KEYS} keys, and {@code data} = {@code {"reading":
 * n, "pad": "xx..."}} padded so that one serialised envelope is {@code eventBytes} long (unless that is
 * smaller than the envelope without padding, about 220 bytes). Same shape as {@code wrk/events.lua}.
 */
public final class Events {

  /** How many distinct {@code aggregateId}s (Kafka keys) the events spread over. */
  public static final int DISTINCT_KEYS = 4096;

  private static final String PAD = "x".repeat(64 * 1024);

  private Events() {}

  /** A random version 4 UUID, from the thread's own generator (no shared SecureRandom). */
  static String uuid() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
    return new UUID(msb, lsb).toString();
  }

  /** One envelope of about {@code eventBytes} bytes (all ASCII, so chars = bytes). */
  public static String envelope(int eventBytes) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    StringBuilder sb = new StringBuilder(Math.max(eventBytes, 256) + 16);
    sb.append("{\"eventId\":\"").append(uuid())
        .append("\",\"eventType\":\"bench.measured\",\"eventVersion\":1,\"occurredAt\":\"")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append("\",\"source\":\"sluice-load-tests\",\"aggregateId\":\"agg-")
        .append(String.format("%04d", r.nextInt(DISTINCT_KEYS)))
        .append("\",\"data\":{\"reading\":")
        .append(100_000 + r.nextInt(900_000))
        .append(",\"pad\":\"");
    int pad = eventBytes - sb.length() - "\"}}".length();
    if (pad > 0) {
      sb.append(PAD, 0, Math.min(pad, PAD.length()));
    }
    return sb.append("\"}}").toString();
  }

  /** A request body of {@code events} envelopes: one object when format is json and events is 1. */
  public static String body(Format format, int events, int eventBytes) {
    if (format == Format.JSON && events == 1) {
      return envelope(eventBytes);
    }
    StringBuilder sb = new StringBuilder(events * (eventBytes + 2) + 2);
    if (format == Format.JSON) {
      sb.append('[');
      for (int i = 0; i < events; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(envelope(eventBytes));
      }
      return sb.append(']').toString();
    }
    for (int i = 0; i < events; i++) {
      sb.append(envelope(eventBytes)).append('\n');
    }
    return sb.toString();
  }

  /** The request body formats of {@code POST /v1/events}. */
  public enum Format {
    JSON("application/json"),
    NDJSON("application/x-ndjson");

    public final String contentType;

    Format(String contentType) {
      this.contentType = contentType;
    }

    static Format parse(String s) {
      return switch (s.toLowerCase(java.util.Locale.ROOT)) {
        case "json" -> JSON;
        case "ndjson" -> NDJSON;
        default -> throw new IllegalArgumentException("format must be json or ndjson, got " + s);
      };
    }
  }
}
