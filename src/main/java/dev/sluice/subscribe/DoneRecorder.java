package dev.sluice.subscribe;

import dev.sluice.store.Processed;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records delivered events in PostgreSQL (the idempotent consumer's rows; their attempts removed), in
 * group commits: while one insert runs, the next ones gather, and go in one statement after it. A
 * delivery's future completes once its row is committed; when the store keeps failing (a few tries
 * with back-off) it completes anyway, logged: the event was delivered, and a redelivery after a crash
 * would only be a duplicate the sink can drop by its {@code Idempotency-Key}. Confined to one event loop.
 */
final class DoneRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(DoneRecorder.class);
  private static final int MAX_BATCH = 2000;
  private static final int TRIES = 4;

  private final Vertx vertx;
  private final String subscription;
  private final Processed store;
  private List<String> ids = new ArrayList<>();
  private List<Promise<Void>> waiting = new ArrayList<>();
  private boolean writing;
  private long loggedAtMs;

  DoneRecorder(Vertx vertx, String subscription, Processed store) {
    this.vertx = vertx;
    this.subscription = subscription;
    this.store = store;
  }

  /** Records {@code eventId} as delivered when {@code needed}; completes once it is (or at once). */
  Future<Void> delivered(String eventId, boolean needed) {
    if (!needed) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    ids.add(eventId);
    waiting.add(p);
    if (!writing) {
      flush();
    }
    return p.future();
  }

  private void flush() {
    if (ids.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    List<String> batch;
    List<Promise<Void>> done;
    if (ids.size() <= MAX_BATCH) {
      batch = ids;
      done = waiting;
      ids = new ArrayList<>();
      waiting = new ArrayList<>();
    } else {
      batch = new ArrayList<>(ids.subList(0, MAX_BATCH));
      done = new ArrayList<>(waiting.subList(0, MAX_BATCH));
      ids.subList(0, MAX_BATCH).clear();
      waiting.subList(0, MAX_BATCH).clear();
    }
    write(batch, 1, 50).onComplete(ar -> {
      done.forEach(Promise::tryComplete);
      flush();
    });
  }

  private Future<Void> write(List<String> batch, int attempt, long delayMs) {
    return store.delivered(subscription, batch).recover(err -> {
      if (attempt >= TRIES) {
        long now = System.currentTimeMillis();
        if (now - loggedAtMs > 10_000) {
          loggedAtMs = now;
          LOG.warn("Subscription {}: cannot record {} delivered event(s) in PostgreSQL ({}); they go on unrecorded "
              + "(read again after a crash, they would be delivered again)", subscription, batch.size(), err.toString());
        }
        return Future.succeededFuture();
      }
      Promise<Void> again = Promise.promise();
      vertx.setTimer(delayMs, id -> write(batch, attempt + 1, delayMs * 4).onComplete(again));
      return again.future();
    });
  }
}
