package dev.sluice.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Idempotency keys (see {@code db/V3__idempotency.sql}): a request with a key claims it in one statement
 * (so that of requests racing with one key exactly one owns it), and its owner stores the answer (or
 * lets the key go, for an answer the client should retry). Protocol-neutral: HTTP and gRPC store their
 * own bytes. Stateless apart from the pool; safe from any context.
 */
public final class Idempotency {

  /** A claim of a key must see the row it lost to; after this many tries it reports the store unavailable. */
  private static final int TRIES = 3;

  private static final String CLAIM =
      "WITH claimed AS (INSERT INTO sluice_idempotency AS i (scope, key, fingerprint, state, owner, lease_until,"
          + " expires_at) VALUES ($1, $2, $3, 'in_progress', $4, now() + $5 * interval '1 millisecond',"
          + " now() + $6 * interval '1 millisecond')"
          + " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'in_progress',"
          + " owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, expires_at = EXCLUDED.expires_at,"
          + " created_at = now(), status = NULL, content_type = NULL, body = NULL, headers = NULL"
          // an expired row is as good as none, unless its first request is still being answered (a ttl
          // shorter than the lease); an abandoned claim (lease ran out) of the same request is taken over
          + " WHERE (i.expires_at <= now() AND (i.state = 'done' OR i.lease_until <= now()))"
          + " OR (i.state = 'in_progress' AND i.lease_until <= now() AND i.fingerprint = EXCLUDED.fingerprint)"
          + " RETURNING true AS mine)"
          + " SELECT true AS mine, NULL::bytea AS fingerprint, NULL::text AS state, NULL::integer AS status,"
          + " NULL::text AS content_type, NULL::bytea AS body, NULL::jsonb AS headers, 0::bigint AS lease_ms"
          + " FROM claimed UNION ALL"
          + " SELECT false, fingerprint, state, status, content_type, body, headers,"
          + " greatest(0, (extract(epoch FROM lease_until - now()) * 1000)::bigint)"
          + " FROM sluice_idempotency WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)";

  private final Pool pool;

  public Idempotency(Store store) {
    this.pool = store.pool();
  }

  /**
   * A stored answer, as the first request got it.
   *
   * @param status HTTP status (gRPC: the edge's own convention, e.g. 200 for OK)
   * @param contentType the body's media type ({@code application/json}, {@code application/grpc+proto})
   * @param headers answer headers a replay repeats (lower-case names), e.g. {@code x-correlation-id}
   */
  public record StoredAnswer(int status, String contentType, byte[] body, Map<String, String> headers) {
    public StoredAnswer {
      headers = Map.copyOf(headers);
    }
  }

  /** What a claim found. */
  public sealed interface Claim permits Owned, Replay, Mismatch, InProgress {}

  /** This request owns the key: it proceeds, then {@link #complete}s or {@link #abandon}s it. */
  public record Owned(String scope, String key, UUID token) implements Claim {}

  /** The key was answered before, for the same fingerprint: answer this again, do nothing else. */
  public record Replay(StoredAnswer answer) implements Claim {}

  /** The key was used with another fingerprint (another body): refuse (HTTP 422). */
  public record Mismatch() implements Claim {}

  /** Another request holds the key now, for up to {@code leaseLeftMs} more (HTTP 409). */
  public record InProgress(long leaseLeftMs) implements Claim {}

  /**
   * Claims {@code key} in {@code scope} for a request whose fingerprint is {@code fingerprint}, held
   * for {@code leaseMs} (past it, a retry of the same request takes the key over), remembered for
   * {@code ttlMs} from now.
   */
  public Future<Claim> claim(String scope, String key, byte[] fingerprint, long leaseMs, long ttlMs) {
    return claim(scope, key, fingerprint, leaseMs, ttlMs, 1);
  }

  private Future<Claim> claim(String scope, String key, byte[] fingerprint, long leaseMs, long ttlMs, int attempt) {
    UUID token = UUID.randomUUID();
    return pool.preparedQuery(CLAIM)
        .execute(Tuple.of(scope, key, Buffer.buffer(fingerprint), token, leaseMs, ttlMs))
        .compose(rows -> {
          Claim c = read(rows, scope, key, token, fingerprint);
          if (c != null) {
            return Future.succeededFuture(c);
          }
          // the row we conflicted with was committed after this statement's snapshot: look again
          return attempt < TRIES ? claim(scope, key, fingerprint, leaseMs, ttlMs, attempt + 1)
              : Future.failedFuture(new IllegalStateException("the claim of an idempotency key found no row"));
        });
  }

  private static Claim read(RowSet<Row> rows, String scope, String key, UUID token, byte[] fingerprint) {
    if (rows.size() == 0) {
      return null;
    }
    Row r = rows.iterator().next();
    if (r.getBoolean("mine")) {
      return new Owned(scope, key, token);
    }
    if (!Arrays.equals(r.getBuffer("fingerprint").getBytes(), fingerprint)) {
      return new Mismatch();
    }
    if ("in_progress".equals(r.getString("state"))) {
      return new InProgress(r.getLong("lease_ms"));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    Object h = r.getValue("headers");
    if (h instanceof JsonObject json) {
      json.forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    }
    Buffer body = r.getBuffer("body");
    return new Replay(new StoredAnswer(r.getInteger("status"), r.getString("content_type"),
        body == null ? new byte[0] : body.getBytes(), headers));
  }

  /**
   * Stores the answer of the request that owns the key; completes with false when the claim was lost
   * (its lease ran out and a retry took the key over, or the key was swept): nothing is stored then.
   */
  public Future<Boolean> complete(Owned owned, StoredAnswer answer) {
    JsonObject headers = new JsonObject();
    answer.headers().forEach(headers::put);
    return pool.preparedQuery("UPDATE sluice_idempotency SET state = 'done', owner = NULL, lease_until = NULL,"
            + " status = $4, content_type = $5, body = $6, headers = $7 WHERE scope = $1 AND key = $2 AND owner = $3")
        .execute(Tuple.of(owned.scope(), owned.key(), owned.token(), answer.status(), answer.contentType(),
            Buffer.buffer(answer.body()), headers))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Lets the key go (its answer is not stored, e.g. a 5xx): the next request with it proceeds. */
  public Future<Void> abandon(Owned owned) {
    return pool.preparedQuery("DELETE FROM sluice_idempotency WHERE scope = $1 AND key = $2 AND owner = $3")
        .execute(Tuple.of(owned.scope(), owned.key(), owned.token()))
        .mapEmpty();
  }

  /** Deletes up to {@code batch} expired keys; completes with how many (call again while it returns {@code batch}). */
  public Future<Integer> sweep(int batch) {
    return pool.preparedQuery("DELETE FROM sluice_idempotency WHERE ctid IN (SELECT ctid FROM sluice_idempotency"
            + " WHERE expires_at <= now() LIMIT $1)")
        .execute(Tuple.of(batch))
        .map(RowSet::rowCount);
  }
}
