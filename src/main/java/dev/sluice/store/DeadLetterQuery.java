package dev.sluice.store;

import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The WHERE clause of a query of dead letters: a subscription, a {@link DeadLetters.Filter}, and the
 * keyset position of a cursor. Parameters are numbered as they are added.
 */
final class DeadLetterQuery {

  private final StringBuilder where = new StringBuilder("subscription = $1");
  private final List<Object> params = new ArrayList<>();

  DeadLetterQuery(String subscription, DeadLetters.Filter f) {
    params.add(subscription);
    if (f.ids() != null) {
      and("event_id = ANY($", f.ids().toArray(String[]::new), ")");
    }
    if (f.eventType() != null) {
      if (isPattern(f.eventType())) {
        and("event_type ~ $", posixRegex(f.eventType()), "");
      } else {
        and("event_type = $", f.eventType(), "");
      }
    }
    if (f.failureClass() != null) {
      and("failure_class = $", f.failureClass(), "");
    }
    if (f.status() != null) {
      and("status = $", f.status(), "");
    }
    if (f.from() != null) {
      and("dead_at >= $", time(f.from()), "");
    }
    if (f.to() != null) {
      and("dead_at < $", time(f.to()), "");
    }
  }

  /** Only rows after the position {@code cursor} names (null: from the start). */
  DeadLetterQuery after(String cursor) {
    if (cursor != null) {
      Position p = decode(cursor);
      params.add(time(p.deadAt()));
      params.add(p.eventId());
      where.append(" AND (dead_at, event_id) > ($").append(params.size() - 1).append(", $").append(params.size())
          .append(')');
    }
    return this;
  }

  /** The conditions, without the word WHERE. */
  String where() {
    return where.toString();
  }

  /** The placeholder of a further parameter {@code value} (appended to the parameters). */
  String param(Object value) {
    params.add(value);
    return "$" + params.size();
  }

  Tuple tuple() {
    return Tuple.wrap(new ArrayList<>(params));
  }

  private void and(String left, Object value, String right) {
    params.add(value);
    where.append(" AND ").append(left).append(params.size()).append(right);
  }

  static OffsetDateTime time(Instant i) {
    return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  /** Whether an event-type filter is a pattern ({@code *} one segment, {@code #} any) rather than a type. */
  static boolean isPattern(String eventType) {
    for (String s : eventType.split("\\.", -1)) {
      if (s.equals("*") || s.equals("#")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The dotted pattern as a regular expression PostgreSQL ({@code ~}) and Java read alike, anchored:
   * the same language as {@code RoutingTable.compile} (which quotes with {@code \Q..\E}, unknown to
   * PostgreSQL); literal characters other than letters and digits are escaped with a backslash.
   */
  static String posixRegex(String pattern) {
    String[] segments = pattern.split("\\.");
    if (segments.length == 1 && segments[0].equals("#")) {
      return "^.*$";
    }
    StringBuilder re = new StringBuilder("^");
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.equals("#")) {
        re.append(i == 0 ? "([^.]+\\.)*" : "(\\.[^.]+)*");
        continue;
      }
      boolean separator = i > 0 && !(i == 1 && segments[0].equals("#"));
      re.append(separator ? "\\." : "");
      if (s.equals("*")) {
        re.append("[^.]+");
      } else {
        s.codePoints().forEach(c -> {
          if (!Character.isLetterOrDigit(c) && c < 128) {
            re.append('\\');
          }
          re.appendCodePoint(c);
        });
      }
    }
    return re.append('$').toString();
  }

  /** A position in the (dead_at, event_id) order. */
  record Position(Instant deadAt, String eventId) {}

  /** The opaque cursor of a position: base64url of {@code <epoch seconds>.<nanos>:<eventId>}. */
  static String encode(Instant deadAt, String eventId) {
    String raw = deadAt.getEpochSecond() + "." + deadAt.getNano() + ":" + eventId;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The position of a cursor; IllegalArgumentException when it is none of ours. */
  static Position decode(String cursor) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int colon = raw.indexOf(':');
      int dot = raw.indexOf('.');
      if (colon < 0 || dot < 0 || dot > colon) {
        throw new IllegalArgumentException("not a cursor");
      }
      Instant at = Instant.ofEpochSecond(Long.parseLong(raw.substring(0, dot)),
          Long.parseLong(raw.substring(dot + 1, colon)));
      return new Position(at, raw.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + cursor + "' is not a cursor of this list", e);
    }
  }
}
