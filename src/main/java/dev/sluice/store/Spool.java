package dev.sluice.store;

import dev.sluice.bus.Event;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The spool's rows (see {@code db/V1__spool.sql}): events appended in one transaction per request,
 * read by the relay shard by shard in the order they were accepted, removed once Kafka has them.
 * Stateless apart from the pool; safe from any context.
 */
public final class Spool {

  /** Shards of the key space: one key always lands on one shard, a relay drains whole shards. */
  public static final int SHARDS = 64;

  private final Pool pool;

  public Spool(Store store) {
    this.pool = store.pool();
  }

  /** The columns of a spooled row, named: the refused table got {@code tenant} after {@code reason}. */
  private static final String COLUMNS = "id, shard, topic, key, event_id, event_type, event_version,"
      + " correlation_id, traceparent, value, bytes, spooled_at, retry_after, tenant";

  /** An event to spool, with its destination and the request's trace context. */
  public record Entry(String topic, Event event, String traceparent) {}

  /**
   * A spooled event as the relay reads it; {@code readBefore} when a relay read it to publish before
   * (it may already be in Kafka: its relay stopped before removing it).
   */
  public record Spooled(
      long id,
      int shard,
      String topic,
      String key,
      String eventId,
      String eventType,
      String eventVersion,
      String correlationId,
      String traceparent,
      byte[] value,
      boolean readBefore,
      String tenant) {}

  /** Rows, bytes and the age of the oldest row. */
  public record Stats(long events, long bytes, double oldestAgeSeconds) {}

  /** The shard of a key of a topic. */
  public static int shard(String topic, String key) {
    return Math.floorMod((topic + '\u0000' + key).hashCode(), SHARDS);
  }

  /** Appends the entries in one statement, so in one transaction: all of them are spooled, or none. */
  public Future<Void> append(List<Entry> entries) {
    int n = entries.size();
    Short[] shards = new Short[n];
    String[] topics = new String[n];
    String[] keys = new String[n];
    String[] ids = new String[n];
    String[] types = new String[n];
    String[] versions = new String[n];
    String[] correlations = new String[n];
    String[] traceparents = new String[n];
    String[] tenants = new String[n];
    Buffer[] values = new Buffer[n];
    Integer[] sizes = new Integer[n];
    for (int i = 0; i < n; i++) {
      Entry e = entries.get(i);
      Event ev = e.event();
      shards[i] = (short) shard(e.topic(), ev.key());
      topics[i] = e.topic();
      keys[i] = ev.key();
      ids[i] = ev.eventId();
      types[i] = ev.eventType();
      versions[i] = ev.eventVersion();
      correlations[i] = ev.correlationId();
      traceparents[i] = e.traceparent();
      tenants[i] = ev.tenant();
      values[i] = Buffer.buffer(ev.value());
      sizes[i] = ev.value().length;
    }
    return pool.preparedQuery(
            "INSERT INTO sluice_spool (shard, topic, key, event_id, event_type, event_version, correlation_id,"
                + " traceparent, value, bytes, tenant) SELECT * FROM unnest($1::smallint[], $2::text[], $3::text[],"
                + " $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::int[], $11::text[])")
        .execute(Tuple.of(shards, topics, keys, ids, types, versions, correlations, traceparents, values, sizes)
            .addArrayOfString(tenants))
        .mapEmpty();
  }

  /** The spool's distinct keys, as {@code topic + '\0' + key}. */
  public Future<java.util.Set<String>> keys() {
    return pool.query("SELECT DISTINCT topic, key FROM sluice_spool").execute().map(rows -> {
      java.util.Set<String> out = new java.util.HashSet<>();
      rows.forEach(r -> out.add(r.getString("topic") + '\u0000' + r.getString("key")));
      return out;
    });
  }

  /** How much is spooled now. */
  public Future<Stats> stats() {
    return pool.query("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b,"
            + " coalesce(extract(epoch FROM now() - min(spooled_at)), 0) AS age FROM sluice_spool")
        .execute()
        .map(rows -> {
          Row r = rows.iterator().next();
          return new Stats(r.getLong("n"), r.getLong("b"), r.getDouble("age"));
        });
  }

  /**
   * Takes or renews, for {@code owner}, the leases of shards that hold rows and that nobody else holds
   * (or whose lease ran out), for {@code leaseMs}; completes with the shards {@code owner} holds now.
   * Leases of shards without rows are let go.
   */
  public Future<List<Integer>> lease(String owner, long leaseMs) {
    return lease(owner, leaseMs, SHARDS);
  }

  /** {@link #lease(String, long)}, holding at most {@code maxShards} shards (those it holds first). */
  public Future<List<Integer>> lease(String owner, long leaseMs, int maxShards) {
    return pool.withTransaction(conn -> conn.preparedQuery(
                "UPDATE sluice_relay_lease SET owner = NULL, lease_until = '-infinity' WHERE owner = $1"
                    + " AND NOT EXISTS (SELECT 1 FROM sluice_spool s WHERE s.shard = sluice_relay_lease.shard)")
            .execute(Tuple.of(owner))
            .compose(x -> conn.preparedQuery(
                    "UPDATE sluice_relay_lease l SET owner = $1, lease_until = now() + $2 * interval '1 millisecond'"
                        + " WHERE l.shard IN (SELECT shard FROM sluice_relay_lease WHERE (owner = $1 OR lease_until < now())"
                        + " AND EXISTS (SELECT 1 FROM sluice_spool s WHERE s.shard = sluice_relay_lease.shard)"
                        + " ORDER BY owner IS NOT DISTINCT FROM $1 DESC, shard LIMIT $3"
                        + " FOR UPDATE SKIP LOCKED) RETURNING l.shard")
                .execute(Tuple.of(owner, leaseMs, maxShards))))
        .map(rows -> {
          List<Integer> shards = new ArrayList<>();
          rows.forEach(r -> shards.add((int) r.getShort("shard")));
          return shards;
        });
  }

  /**
   * The oldest {@code max} rows of the shards {@code owner} holds (only while the lease holds), in the
   * order they were accepted, skipping shards whose failed row waits; records per shard the highest id
   * read, so that a later read of a row not removed by then counts as a possible second send.
   */
  public Future<List<Spooled>> take(String owner, List<Integer> shards, int max) {
    return take(owner, shards, max, 0);
  }

  /** {@link #take(String, List, int)} of rows after id {@code after} (for tests). */
  public Future<List<Spooled>> take(String owner, List<Integer> shards, int max, long after) {
    Short[] s = shards.stream().map(Integer::shortValue).toArray(Short[]::new);
    return pool.preparedQuery(
            // a scan of the primary key in id order (a join with the leases makes PostgreSQL read every row of
            // the shards and sort them: 50 times slower with 600,000 rows); the lease is checked per row
            "SELECT r.id, r.shard, r.topic, r.key, r.event_id, r.event_type, r.event_version, r.correlation_id,"
                + " r.traceparent, r.value, r.tenant, (SELECT l.sent_up_to FROM sluice_relay_lease l WHERE l.shard = r.shard"
                + " AND l.owner = $2 AND l.lease_until > now()) AS sent_up_to FROM sluice_spool r"
                + " WHERE r.shard = ANY($1) AND r.id > $4"
                + " AND r.shard NOT IN (SELECT shard FROM sluice_spool WHERE retry_after > now())"
                + " ORDER BY r.id LIMIT $3")
        .execute(Tuple.of(s, owner, max, after))
        .compose(rows -> {
          List<Spooled> out = new ArrayList<>(rows.size());
          java.util.Map<Integer, Long> highest = new java.util.HashMap<>();
          for (Row r : rows) {
            Long sentUpTo = r.getLong("sent_up_to");
            if (sentUpTo == null) {
              break; // the lease of its shard ran out: stop here, keeping the order of what was read
            }
            int shard = r.getShort("shard");
            long id = r.getLong("id");
            out.add(new Spooled(id, shard, r.getString("topic"), r.getString("key"), r.getString("event_id"),
                r.getString("event_type"), r.getString("event_version"), r.getString("correlation_id"),
                r.getString("traceparent"), r.getBuffer("value").getBytes(), id <= sentUpTo, r.getString("tenant")));
            highest.merge(shard, id, Math::max);
          }
          if (highest.isEmpty()) {
            return Future.succeededFuture(out);
          }
          return pool.preparedQuery(
                  "UPDATE sluice_relay_lease l SET sent_up_to = greatest(l.sent_up_to, v.hi)"
                      + " FROM unnest($1::smallint[], $2::bigint[]) AS v(shard, hi) WHERE l.shard = v.shard")
              .execute(Tuple.of(highest.keySet().stream().map(Integer::shortValue).toArray(Short[]::new),
                  (Object) highest.values().toArray(Long[]::new)))
              .map(out);
        });
  }

  /**
   * Kafka failed these rows: their shards wait {@code delayMs} before the next read (a shard's rows go
   * in order, so nothing of their keys overtakes them).
   */
  public Future<Void> retryLater(List<Long> ids, long delayMs) {
    return pool.preparedQuery(
            "UPDATE sluice_spool SET retry_after = now() + $2 * interval '1 millisecond' WHERE id = ANY($1)")
        .execute(Tuple.of(ids.toArray(Long[]::new), delayMs))
        .mapEmpty();
  }

  /** Moves rows Kafka refuses for good out of the spool into {@code sluice_spool_refused}, with why. */
  public Future<Void> refuse(List<Long> ids, String reason) {
    Long[] a = ids.toArray(Long[]::new);
    return pool.withTransaction(conn -> conn.preparedQuery(
                "INSERT INTO sluice_spool_refused (" + COLUMNS + ", reason) SELECT " + COLUMNS + ", $2"
                    + " FROM sluice_spool s WHERE s.id = ANY($1)")
            .execute(Tuple.of(a, reason))
            .compose(x -> conn.preparedQuery("DELETE FROM sluice_spool WHERE id = ANY($1)").execute(Tuple.of((Object) a))))
        .mapEmpty();
  }

  /**
   * Kafka surely did not write these rows: their next read is no second send (lowers their shards'
   * highest id read to below the lowest of them).
   */
  public Future<Void> unsent(List<Spooled> rows) {
    java.util.Map<Integer, Long> lowest = new java.util.HashMap<>();
    rows.forEach(r -> lowest.merge(r.shard(), r.id(), Math::min));
    return pool.preparedQuery(
            "UPDATE sluice_relay_lease l SET sent_up_to = least(l.sent_up_to, v.lo - 1)"
                + " FROM unnest($1::smallint[], $2::bigint[]) AS v(shard, lo) WHERE l.shard = v.shard")
        .execute(Tuple.of(lowest.keySet().stream().map(Integer::shortValue).toArray(Short[]::new),
            (Object) lowest.values().toArray(Long[]::new)))
        .mapEmpty();
  }

  /** Removes rows Kafka acknowledged. */
  public Future<Integer> remove(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return pool.preparedQuery("DELETE FROM sluice_spool WHERE id = ANY($1)")
        .execute(Tuple.of((Object) ids.toArray(Long[]::new)))
        .map(rows -> rows.rowCount());
  }
}
