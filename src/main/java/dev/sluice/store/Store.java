package dev.sluice.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's PostgreSQL: one pool, and its schema migrated to this gateway's version before the
 * tables are used. The same database can serve several gateway processes. A gateway starts while
 * PostgreSQL is away; {@link #migrate} keeps trying, and what needs the tables fails until then.
 */
public final class Store {

  private static final Logger LOG = LoggerFactory.getLogger(Store.class);

  private final Vertx vertx;
  private final Pool pool;
  private final String where;
  private volatile int schemaVersion;
  private volatile boolean closed;

  private Store(Vertx vertx, Pool pool, String where) {
    this.vertx = vertx;
    this.pool = pool;
    this.where = where;
  }

  /**
   * A pool for {@code uri} ({@code postgresql://user:password@host:port/db}) with up to {@code
   * maxConnections} connections, its tables in {@code schema} (which must exist; {@code public} by
   * default). Connects on first use.
   */
  public static Store create(Vertx vertx, String uri, String schema, int maxConnections) {
    PgConnectOptions connect = PgConnectOptions.fromUri(uri).setPipeliningLimit(16);
    connect.addProperty("search_path", schema);
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxConnections).setName("sluice-store").setShared(false))
        .connectingTo(connect)
        .using(vertx)
        .build();
    return new Store(vertx, pool, connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase()
        + " (schema " + schema + ")");
  }

  /** Creates the pool and migrates the schema once; fails naming the problem. */
  public static Future<Store> open(Vertx vertx, String uri, String schema, int maxConnections) {
    Store store = create(vertx, uri, schema, maxConnections);
    return Migrations.apply(store.pool)
        .map(version -> {
          store.schemaVersion = version;
          return store;
        })
        .recover(err -> store.pool.close().transform(x -> Future.failedFuture(err)));
  }

  /**
   * Migrates the schema, trying again every {@code retryMs} while PostgreSQL cannot be reached;
   * completes with the version (fails only for a schema newer than this gateway knows).
   */
  public Future<Integer> migrate(long retryMs) {
    Promise<Integer> done = Promise.promise();
    attempt(retryMs, done, true);
    return done.future();
  }

  private void attempt(long retryMs, Promise<Integer> done, boolean first) {
    if (closed) {
      done.tryFail("the store was closed");
      return;
    }
    Migrations.apply(pool).onComplete(ar -> {
      if (ar.succeeded()) {
        schemaVersion = ar.result();
        LOG.info("PostgreSQL {} ready, schema version {}", where, ar.result());
        done.tryComplete(ar.result());
      } else if (ar.cause() instanceof IllegalStateException) {
        LOG.error("PostgreSQL {}: {}", where, ar.cause().getMessage());
        done.tryFail(ar.cause());
      } else {
        if (first) {
          LOG.warn("PostgreSQL {} cannot be reached: {}; trying every {} ms", where, ar.cause().toString(), retryMs);
        }
        vertx.setTimer(retryMs, id -> attempt(retryMs, done, false));
      }
    });
  }

  public Pool pool() {
    return pool;
  }

  /** The schema version once migrated, else 0. */
  public int schemaVersion() {
    return schemaVersion;
  }

  public Future<Void> close() {
    closed = true;
    return pool.close();
  }
}
