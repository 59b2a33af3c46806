package dev.sluice.subscribe;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired rows (the idempotent consumer's older than {@code subscriptions.processed-ttl-ms},
 * expired Idempotency-Keys), every {@code sweep-interval-ms}, {@code sweep-batch} rows per statement
 * until none is left (short statements: no long lock, no huge transaction). Every gateway process
 * sweeps; they do not collide.
 */
public final class SweepVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SweepVerticle.class);

  /** One statement of a sweep: deletes up to {@code batch} expired rows, completes with how many. */
  public interface Sweep {
    Future<Integer> delete(int batch);
  }

  private final String what;
  private final Sweep store;
  private final long intervalMs;
  private final int batch;
  private final Future<?> schemaReady;
  private boolean sweeping;

  /**
   * @param what the rows, as the log names them (e.g. "processed event(s)")
   */
  public SweepVerticle(String what, Sweep store, long intervalMs, int batch, Future<?> schemaReady) {
    this.what = what;
    this.store = store;
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
    store.delete(batch).onComplete(ar -> {
      if (ar.succeeded() && ar.result() >= batch) {
        sweep(total + ar.result());
        return;
      }
      sweeping = false;
      long deleted = total + (ar.succeeded() ? ar.result() : 0);
      if (ar.failed()) {
        LOG.warn("Sweeping {} failed: {}", what, ar.cause().toString());
      } else if (deleted > 0) {
        LOG.info("Swept {} {}", deleted, what);
      }
    });
  }
}
