package dev.sluice.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The idempotent consumer's and the retries' rows (see {@code db/V2__subscriptions.sql}): events a
 * subscription delivered ({@code sluice_processed}) and the failed attempts of those not yet delivered
 * ({@code sluice_attempts}). Stateless apart from the pool; safe from any context.
 */
public final class Processed {

  private final Pool pool;

  public Processed(Store store) {
    this.pool = store.pool();
  }

  /** What the store knows of a batch of events: those delivered already, and the attempts of the others. */
  public record Known(Set<String> delivered, Map<String, Attempts> attempts) {}

  /** Failed attempts of an event: how many, the first and the last failure (epoch ms). */
  public record Attempts(int count, long firstFailureMs, long lastFailureMs) {}

  /** One query for a batch: which of {@code ids} were delivered, and the attempts of the others. */
  public Future<Known> lookup(String subscription, List<String> ids, boolean delivered) {
    String[] a = ids.toArray(new String[0]);
    String sql = delivered
        ? "SELECT event_id, 0 AS kind, 0 AS attempts, NULL::timestamptz AS f, NULL::timestamptz AS l "
            + "FROM sluice_processed WHERE subscription = $1 AND event_id = ANY($2) UNION ALL "
        : "";
    sql += "SELECT event_id, 1, attempts, first_failure, last_failure FROM sluice_attempts "
        + "WHERE subscription = $1 AND event_id = ANY($2)";
    return pool.preparedQuery(sql).execute(ids(subscription, a)).map(rows -> {
      Set<String> done = new HashSet<>();
      Map<String, Attempts> attempts = new HashMap<>();
      for (Row r : rows) {
        if (r.getInteger(1) == 0) {
          done.add(r.getString(0));
        } else {
          attempts.put(r.getString(0), new Attempts(r.getInteger(2), ms(r.getOffsetDateTime(3)),
              ms(r.getOffsetDateTime(4))));
        }
      }
      return new Known(done, attempts);
    });
  }

  /**
   * Records that {@code delivered} were delivered (an id recorded before stays as it is) and forgets the
   * attempts of {@code withAttempts}: one statement when only one of them has ids (no explicit
   * transaction), both in one transaction otherwise.
   */
  public Future<Void> delivered(String subscription, List<String> delivered, List<String> withAttempts) {
    String insert = "INSERT INTO sluice_processed (subscription, event_id) SELECT $1, unnest($2::text[]) "
        + "ON CONFLICT DO NOTHING";
    String delete = "DELETE FROM sluice_attempts WHERE subscription = $1 AND event_id = ANY($2)";
    Tuple inserted = ids(subscription, delivered.toArray(new String[0]));
    Tuple deleted = ids(subscription, withAttempts.toArray(new String[0]));
    if (withAttempts.isEmpty()) {
      return delivered.isEmpty() ? Future.succeededFuture() : pool.preparedQuery(insert).execute(inserted).mapEmpty();
    }
    if (delivered.isEmpty()) {
      return pool.preparedQuery(delete).execute(deleted).mapEmpty();
    }
    return pool.withTransaction(c -> c.preparedQuery(insert).execute(inserted)
        .compose(r -> c.preparedQuery(delete).execute(deleted))).mapEmpty();
  }

  /** Counts a failed attempt of {@code id}; completes with all its attempts so far. */
  public Future<Attempts> failed(String subscription, String id) {
    return pool.preparedQuery("INSERT INTO sluice_attempts (subscription, event_id, attempts, first_failure, "
            + "last_failure) VALUES ($1, $2, 1, now(), now()) ON CONFLICT (subscription, event_id) DO UPDATE SET "
            + "attempts = sluice_attempts.attempts + 1, last_failure = now() "
            + "RETURNING attempts, first_failure, last_failure")
        .execute(Tuple.of(subscription, id))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new Attempts(r.getInteger(0), ms(r.getOffsetDateTime(1)), ms(r.getOffsetDateTime(2)));
        });
  }

  /** Forgets the attempts of {@code id} (it was dead-lettered, or is replayed with attempts reset). */
  public Future<Void> clearAttempts(String subscription, String id) {
    return pool.preparedQuery("DELETE FROM sluice_attempts WHERE subscription = $1 AND event_id = $2")
        .execute(Tuple.of(subscription, id)).mapEmpty();
  }

  /**
   * Deletes up to {@code batch} processed rows older than {@code ttlMs}; completes with how many (call
   * again while it returns {@code batch}).
   */
  public Future<Integer> sweep(long ttlMs, int batch) {
    return pool.preparedQuery("DELETE FROM sluice_processed WHERE ctid IN (SELECT ctid FROM sluice_processed "
            + "WHERE done_at < now() - make_interval(secs => $1) LIMIT $2)")
        .execute(Tuple.of(ttlMs / 1000.0, batch))
        .map(rows -> rows.rowCount());
  }

  private static Tuple ids(String subscription, String[] ids) {
    return Tuple.tuple().addString(subscription).addArrayOfString(ids);
  }

  private static long ms(OffsetDateTime t) {
    return t == null ? 0 : t.toInstant().toEpochMilli();
  }
}
