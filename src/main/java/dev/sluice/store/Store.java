package dev.sluice.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * The gateway's PostgreSQL: one pool, its schema migrated to this gateway's version before anything
 * uses it. The same database can serve several gateway processes.
 */
public final class Store {

  private final Pool pool;
  private final int schemaVersion;

  private Store(Pool pool, int schemaVersion) {
    this.pool = pool;
    this.schemaVersion = schemaVersion;
  }

  /**
   * Connects to {@code uri} ({@code postgresql://user:password@host:port/db}) with up to {@code
   * maxConnections} connections, its tables in {@code schema} (which must exist; {@code public} by
   * default), and migrates the schema; fails naming the problem.
   */
  public static Future<Store> open(Vertx vertx, String uri, String schema, int maxConnections) {
    PgConnectOptions connect = PgConnectOptions.fromUri(uri).setPipeliningLimit(16);
    connect.addProperty("search_path", schema);
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxConnections).setName("sluice-store").setShared(false))
        .connectingTo(connect)
        .using(vertx)
        .build();
    return Migrations.apply(pool)
        .map(version -> new Store(pool, version))
        .recover(err -> pool.close().transform(x -> Future.failedFuture(err)));
  }

  public Pool pool() {
    return pool;
  }

  public int schemaVersion() {
    return schemaVersion;
  }

  public Future<Void> close() {
    return pool.close();
  }
}
