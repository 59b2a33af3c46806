package dev.sluice.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL of the integration tests ({@code SLUICE_TEST_POSTGRES_URI}, exported by {@code
 * scripts/test}). Tests keep apart by schema, one per test ({@link #uniqueSchema()}), and read what
 * the gateway wrote with {@link #query}.
 */
public final class PostgresDb implements AutoCloseable {

  public static final String URI_ENV = "SLUICE_TEST_POSTGRES_URI";

  private final Vertx vertx = Vertx.vertx();
  private final Pool pool;

  /** A client of the test database whose tables are looked up in {@code schema}. */
  public PostgresDb(String schema) {
    PgConnectOptions connect = PgConnectOptions.fromUri(uri());
    connect.addProperty("search_path", schema);
    pool = PgBuilder.pool().connectingTo(connect).using(vertx).build();
  }

  /** {@code postgresql://user:password@host:port/db}; fails saying how to get one when unset. */
  public static String uri() {
    String uri = System.getenv(URI_ENV);
    if (uri == null || uri.isBlank()) {
      throw new IllegalStateException(
          URI_ENV + " is not set: run scripts/test, or start PostgreSQL with scripts/infra start postgres"
              + " and eval \"$(scripts/infra env)\"");
    }
    return uri.trim();
  }

  /** A new empty schema that no other test uses. */
  public static String uniqueSchema() {
    String schema = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (PostgresDb db = new PostgresDb("public")) {
      db.query("CREATE SCHEMA " + schema);
    }
    return schema;
  }

  /** Runs one statement (or several, without parameters) and returns the rows of the last one. */
  public List<Row> query(String sql) {
    RowSet<Row> rows = await(pool.query(sql).execute());
    List<Row> out = new ArrayList<>();
    rows.forEach(out::add);
    return out;
  }

  /** The first column of the first row, as a long. */
  public long scalar(String sql) {
    return query(sql).get(0).getLong(0);
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("PostgreSQL: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    await(pool.close());
    await(vertx.close());
  }
}
