package dev.sluice.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema, versioned: {@code db/V<n>__<name>.sql} on the classpath, applied in order, each in its
 * own transaction with its version recorded in {@code sluice_schema}. Gateways starting at once take
 * turns (a transaction-scoped advisory lock); a database whose schema is newer than this gateway knows
 * is refused, so an old gateway never writes into a table it does not understand.
 */
final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  /** pg_advisory_xact_lock key: "sluice" in ASCII. */
  private static final long LOCK = 0x736c75696365L;

  /** Every migration, in order; the version of each is its position + 1. */
  static final List<String> SCRIPTS = List.of("V1__spool.sql", "V2__subscriptions.sql", "V3__idempotency.sql",
      "V4__spool_tenant.sql");

  private Migrations() {}

  /** Applies what is missing; completes with the schema version. */
  static Future<Integer> apply(Pool pool) {
    return pool.withTransaction(conn -> conn.query(
                "CREATE TABLE IF NOT EXISTS sluice_schema (version integer PRIMARY KEY,"
                    + " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            .execute()
            .mapEmpty())
        .recover(err -> Future.succeededFuture()) // two gateways racing on CREATE: the other one won
        .compose(v -> step(pool, 0));
  }

  private static Future<Integer> step(Pool pool, int done) {
    if (done == SCRIPTS.size()) {
      return current(pool).compose(version -> {
        if (version > SCRIPTS.size()) {
          return Future.failedFuture(new IllegalStateException("the database schema is at version " + version
              + ", newer than this gateway knows (" + SCRIPTS.size() + "): run a newer Sluice"));
        }
        return Future.succeededFuture(version);
      });
    }
    int version = done + 1;
    String name = SCRIPTS.get(done);
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(LOCK))
            .compose(x -> conn.preparedQuery("SELECT 1 FROM sluice_schema WHERE version = $1")
                .execute(Tuple.of(version)))
            .compose(rows -> rows.size() > 0 ? Future.succeededFuture(false) : run(conn, version, name)))
        .compose(applied -> {
          if (applied) {
            LOG.info("Database schema migrated to version {} ({})", version, name);
          }
          return step(pool, done + 1);
        });
  }

  private static Future<Boolean> run(SqlConnection conn, int version, String name) {
    return conn.query(script(name)).execute()
        .compose(x -> conn.preparedQuery("INSERT INTO sluice_schema (version, name) VALUES ($1, $2)")
            .execute(Tuple.of(version, name)))
        .map(true);
  }

  private static Future<Integer> current(Pool pool) {
    return pool.query("SELECT coalesce(max(version), 0) AS v FROM sluice_schema").execute()
        .map(rows -> {
          Row r = rows.iterator().next();
          return r.getInteger("v");
        });
  }

  static String script(String name) {
    try (InputStream in = Migrations.class.getResourceAsStream("/db/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing migration db/" + name + " on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
