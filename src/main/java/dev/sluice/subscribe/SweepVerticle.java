package dev.sluice.subscribe;

import dev.sluice.store.Processed;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the idempotent consumer's rows older than {@code subscriptions.processed-ttl-ms}, every
 * {@code sweep-interval-ms}, {@code sweep-batch} rows per statement until none is left (short
 * statements: no long lock, no huge transaction). Every gateway process sweeps; they do not collide.
 */
public final class SweepVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SweepVerticle.class);

  private final Processed store;
  private final long ttlMs;
  private final long intervalMs;
  private final int batch;
  private final Future<?> schemaReady;
  private boolean sweeping;

  public SweepVerticle(Processed store, long ttlMs, long intervalMs, int batch, Future<?> schemaReady) {
    this.store = store;
    this.ttlMs = ttlMs;
    this.intervalMs = intervalMs;
    this.batch = batch;
    this.schemaReady = schemaReady;
  }

  @Override
  public Future<?> start() {
    schemaReady.onSuccess(v -> vertx.setPeriodic(intervalMs, id -> {
      if (!sweeping) {
        sweeping = true;
        sweep(0);
      }
    }));
    return Future.succeededFuture();
  }

  private void sweep(long total) {
    store.sweep(ttlMs, batch).onComplete(ar -> {
      if (ar.succeeded() && ar.result() >= batch) {
        sweep(total + ar.result());
        return;
      }
      sweeping = false;
      long deleted = total + (ar.succeeded() ? ar.result() : 0);
      if (ar.failed()) {
        LOG.warn("Sweeping processed events failed: {}", ar.cause().toString());
      } else if (deleted > 0) {
        LOG.info("Swept {} processed event(s) older than {} s", deleted, ttlMs / 1000);
      }
    });
  }
}
