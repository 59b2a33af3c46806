package dev.sluice.loadtest;

import java.time.Duration;

/**
 * The system properties every simulation reads (pass them to Maven with {@code -Dname=value}). Each
 * value is read once, when a simulation is built, and printed so a report says how it was made.
 */
final class Params {

  /** Gateway base URL. */
  final String baseUrl = str("baseUrl", "http://127.0.0.1:8080");
  /** Closed model: concurrent virtual users, one keep-alive connection each. */
  final int users;
  /** Steady-state duration in seconds (closed-model simulations). */
  final Duration duration = Duration.ofSeconds(integer("duration", 30));
  /** Seconds over which the closed-model users are ramped up before the steady state. */
  final Duration ramp = Duration.ofSeconds(integer("ramp", 5));
  /** Events per request; 1 with format json sends a single envelope object. */
  final int events;
  /** Target size of one serialised envelope in bytes. */
  final int eventBytes = integer("eventBytes", 256);
  /** json (object or array) or ndjson. */
  final Events.Format format = Events.Format.parse(str("format", "json"));
  /** Assertion: p99 response time bound in milliseconds. */
  final int p99Ms;
  /** Assertion: maximum percentage of failed (non-2xx or failed check) requests. */
  final double maxKoPercent = Double.parseDouble(str("maxKoPercent", "0"));

  Params(int defaultUsers, int defaultEvents, int defaultP99Ms) {
    this.users = integer("users", defaultUsers);
    this.events = integer("events", defaultEvents);
    this.p99Ms = integer("p99Ms", defaultP99Ms);
    if (events < 1) {
      throw new IllegalArgumentException("events must be >= 1, got " + events);
    }
    if (format == Events.Format.NDJSON && events == 1) {
      System.out.println("note: ndjson with events=1 sends a one-line batch");
    }
  }

  static String str(String name, String dflt) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  static int integer(String name, int dflt) {
    return Integer.parseInt(str(name, Integer.toString(dflt)));
  }

  @Override
  public String toString() {
    return "baseUrl=" + baseUrl + " users=" + users + " duration=" + duration.toSeconds() + "s ramp="
        + ramp.toSeconds() + "s events=" + events + " eventBytes=" + eventBytes + " format="
        + format.name().toLowerCase(java.util.Locale.ROOT) + " p99Ms=" + p99Ms + " maxKoPercent="
        + maxKoPercent;
  }
}
