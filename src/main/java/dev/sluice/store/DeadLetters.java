package dev.sluice.store;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The dead-letter index ({@code sluice_dead_letters}, see {@code db/V2__subscriptions.sql}): one row per
 * (subscription, event), replaced by a repeated failure; read by the dead-letter tools in (dead_at,
 * event_id) order, oldest first, page by page. Stateless apart from the pool; safe from any context.
 */
public final class DeadLetters {

  private static final String META = "subscription, event_id, event_type, msg_key, source, topic, kafka_partition,"
      + " kafka_offset, record_time, queue, attempts, first_failure, last_failure, failure_class, status, response,"
      + " traceparent, target, dead_at";
  private static final String WHOLE = META + ", value, headers";

  /** The schema version that created {@code sluice_dead_letters}. */
  static final int SCHEMA_VERSION = 2;

  private final Store store;
  private final Pool pool;

  public DeadLetters(Store store) {
    this.store = store;
    this.pool = store.pool();
  }

  /**
   * Whether the table is there: the store's schema is migrated (a gateway starting while PostgreSQL is
   * away migrates later; until then the tools answer "unavailable" without asking).
   */
  public boolean ready() {
    return store.schemaVersion() >= SCHEMA_VERSION;
  }

  /**
   * Which dead letters: every field null matches all. {@code eventType} is a type or a dotted pattern
   * ({@code *} one segment, {@code #} any); {@code from} inclusive, {@code to} exclusive (dead_at).
   */
  public record Filter(
      String eventType, String failureClass, Integer status, Instant from, Instant to, List<String> ids) {

    public static final Filter ALL = new Filter(null, null, null, null, null, null);

    public Filter {
      ids = ids == null ? null : List.copyOf(ids);
    }

    public static Filter ids(List<String> ids) {
      return new Filter(null, null, null, null, null, ids);
    }
  }

  /** The dead letters of a subscription: how many, and the age of the oldest (0 when none). */
  public record Summary(String subscription, long depth, Instant oldest, double oldestAgeSeconds) {}

  /**
   * A page of a list: the dead letters without their value and headers ({@code value} null, {@code
   * headers} empty) and the cursor of the next page (null after the last).
   */
  public record Page(List<StoredDeadLetter> items, String next) {}

  /**
   * Indexes a dead letter; one already there for its (subscription, event) is replaced, {@code dead_at}
   * set to now.
   */
  public Future<Void> put(StoredDeadLetter d) {
    DeadLetter l = d.letter();
    DeadLetter.Origin o = l.origin();
    JsonArray headers = new JsonArray();
    d.headers().forEach(h -> headers.add(new JsonObject().put("name", h.name())
        .put("value", h.value() == null ? null : Base64.getEncoder().encodeToString(h.value()))));
    Tuple t = Tuple.tuple()
        .addValue(l.subscription()).addValue(l.eventId()).addValue(l.eventType())
        .addValue(d.key() == null ? null : Buffer.buffer(d.key())).addValue(Buffer.buffer(d.value()))
        .addValue(headers.encode()).addValue(o.source()).addValue(o.topic()).addValue(o.partition())
        .addValue(o.offset())
        .addValue(o.timestampMs() == null ? null : DeadLetterQuery.time(Instant.ofEpochMilli(o.timestampMs())))
        .addValue(o.queue()).addValue(l.attempts()).addValue(DeadLetterQuery.time(l.firstFailure()))
        .addValue(DeadLetterQuery.time(l.lastFailure())).addValue(l.failureClass()).addValue(l.status())
        .addValue(l.response()).addValue(l.traceparent()).addValue(d.target());
    return pool.preparedQuery("INSERT INTO sluice_dead_letters (subscription, event_id, event_type, msg_key, value,"
            + " headers, source, topic, kafka_partition, kafka_offset, record_time, queue, attempts, first_failure,"
            + " last_failure, failure_class, status, response, traceparent, target, dead_at) VALUES ($1, $2, $3, $4,"
            + " $5, $6::text::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, clock_timestamp())"
            + " ON CONFLICT (subscription, event_id) DO UPDATE SET event_type = EXCLUDED.event_type,"
            + " msg_key = EXCLUDED.msg_key, value = EXCLUDED.value, headers = EXCLUDED.headers,"
            + " source = EXCLUDED.source, topic = EXCLUDED.topic, kafka_partition = EXCLUDED.kafka_partition,"
            + " kafka_offset = EXCLUDED.kafka_offset, record_time = EXCLUDED.record_time, queue = EXCLUDED.queue,"
            + " attempts = EXCLUDED.attempts, first_failure = EXCLUDED.first_failure,"
            + " last_failure = EXCLUDED.last_failure, failure_class = EXCLUDED.failure_class,"
            + " status = EXCLUDED.status, response = EXCLUDED.response, traceparent = EXCLUDED.traceparent,"
            + " target = EXCLUDED.target, dead_at = EXCLUDED.dead_at")
        .execute(t)
        .mapEmpty();
  }

  /**
   * The database's clock: a replay takes the rows dead-lettered before it started (one it fails again is
   * dead-lettered anew, later, and not read a second time).
   */
  public Future<Instant> now() {
    return pool.query("SELECT clock_timestamp() AS now").execute()
        .map(rows -> rows.iterator().next().getOffsetDateTime("now").toInstant());
  }

  /** Depth and oldest age of every subscription that has dead letters. */
  public Future<List<Summary>> summary() {
    return pool.query("SELECT subscription, count(*) AS n, min(dead_at) AS oldest,"
            + " extract(epoch FROM clock_timestamp() - min(dead_at))::float8 AS age"
            + " FROM sluice_dead_letters GROUP BY subscription ORDER BY subscription")
        .execute()
        .map(rows -> {
          List<Summary> out = new ArrayList<>();
          rows.forEach(r -> out.add(summary(r.getString("subscription"), r)));
          return out;
        });
  }

  /** Depth and oldest age of one subscription (0 and null when it has none). */
  public Future<Summary> summary(String subscription) {
    return pool.preparedQuery("SELECT count(*) AS n, min(dead_at) AS oldest,"
            + " coalesce(extract(epoch FROM clock_timestamp() - min(dead_at)), 0)::float8 AS age"
            + " FROM sluice_dead_letters WHERE subscription = $1")
        .execute(Tuple.of(subscription))
        .map(rows -> summary(subscription, rows.iterator().next()));
  }

  private static Summary summary(String subscription, Row r) {
    OffsetDateTime oldest = r.getOffsetDateTime("oldest");
    return new Summary(subscription, r.getLong("n"), oldest == null ? null : oldest.toInstant(),
        oldest == null ? 0 : Math.max(0, r.getDouble("age")));
  }

  /**
   * Up to {@code limit} dead letters of {@code subscription} matching {@code f}, oldest first, after
   * {@code cursor} (null: from the first); without value and headers. An unknown cursor fails with
   * IllegalArgumentException.
   */
  public Future<Page> list(String subscription, Filter f, int limit, String cursor) {
    return select(META, subscription, f, limit + 1, cursor).map(rows -> {
      List<StoredDeadLetter> items = new ArrayList<>();
      for (Row r : rows) {
        items.add(read(r, false));
      }
      String next = null;
      if (items.size() > limit) {
        items.remove(limit);
        StoredDeadLetter last = items.get(limit - 1);
        next = DeadLetterQuery.encode(last.deadAt(), last.eventId());
      }
      return new Page(items, next);
    });
  }

  /** {@link #list}, whole (value and headers): what a replay delivers. */
  public Future<List<StoredDeadLetter>> batch(String subscription, Filter f, int limit, String cursor) {
    return select(WHOLE, subscription, f, limit, cursor).map(rows -> {
      List<StoredDeadLetter> out = new ArrayList<>();
      rows.forEach(r -> out.add(read(r, true)));
      return out;
    });
  }

  /** The cursor positioned after {@code d} (to read on after a batch). */
  public static String cursorAfter(StoredDeadLetter d) {
    return DeadLetterQuery.encode(d.deadAt(), d.eventId());
  }

  private Future<io.vertx.sqlclient.RowSet<Row>> select(
      String columns, String subscription, Filter f, int limit, String cursor) {
    DeadLetterQuery q;
    try {
      q = new DeadLetterQuery(subscription, f).after(cursor);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String sql = "SELECT " + columns + " FROM sluice_dead_letters WHERE " + q.where()
        + " ORDER BY dead_at, event_id LIMIT " + q.param(limit);
    return pool.preparedQuery(sql).execute(q.tuple());
  }

  /** One dead letter, whole. */
  public Future<Optional<StoredDeadLetter>> get(String subscription, String eventId) {
    return pool.preparedQuery("SELECT " + WHOLE + " FROM sluice_dead_letters WHERE subscription = $1 AND event_id = $2")
        .execute(Tuple.of(subscription, eventId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(read(rows.iterator().next(), true)));
  }

  /** Removes the dead letters of {@code subscription} matching {@code f}; completes with how many. */
  public Future<Long> delete(String subscription, Filter f) {
    DeadLetterQuery q = new DeadLetterQuery(subscription, f);
    return pool.preparedQuery("DELETE FROM sluice_dead_letters WHERE " + q.where())
        .execute(q.tuple())
        .map(rows -> (long) rows.rowCount());
  }

  /**
   * Removes one dead letter if it is still the one dead-lettered at {@code deadAt} (a row replaced
   * meanwhile by a new failure is kept); completes with whether it was removed.
   */
  public Future<Boolean> deleteOne(String subscription, String eventId, Instant deadAt) {
    return pool.preparedQuery("DELETE FROM sluice_dead_letters WHERE subscription = $1 AND event_id = $2"
            + " AND dead_at = $3")
        .execute(Tuple.of(subscription, eventId, DeadLetterQuery.time(deadAt)))
        .map(rows -> rows.rowCount() == 1);
  }

  private static StoredDeadLetter read(Row r, boolean whole) {
    OffsetDateTime recordTime = r.getOffsetDateTime("record_time");
    DeadLetter.Origin origin = new DeadLetter.Origin(r.getString("topic"), r.getInteger("kafka_partition"),
        r.getLong("kafka_offset"), recordTime == null ? null : recordTime.toInstant().toEpochMilli(),
        r.getString("queue"));
    DeadLetter letter = new DeadLetter(r.getString("subscription"), r.getString("event_id"),
        r.getString("event_type"), origin, r.getInteger("attempts"), r.getOffsetDateTime("first_failure").toInstant(),
        r.getOffsetDateTime("last_failure").toInstant(), r.getString("failure_class"), r.getInteger("status"),
        r.getString("response"), r.getString("traceparent"));
    Buffer key = r.getBuffer("msg_key");
    List<StoredDeadLetter.Header> headers = new ArrayList<>();
    byte[] value = null;
    if (whole) {
      value = r.getBuffer("value").getBytes();
      Object h = r.getValue("headers");
      JsonArray array = h instanceof JsonArray a ? a : new JsonArray(String.valueOf(h));
      for (int i = 0; i < array.size(); i++) {
        JsonObject o = array.getJsonObject(i);
        String v = o.getString("value");
        headers.add(new StoredDeadLetter.Header(o.getString("name"), v == null ? null : Base64.getDecoder().decode(v)));
      }
    }
    return new StoredDeadLetter(letter, key == null ? null : key.getBytes(), value, headers, r.getString("target"),
        r.getOffsetDateTime("dead_at").toInstant());
  }
}
