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
  /** A delivered event to record ({@code insert}: the idempotency row) and whose attempts to forget ({@code clear}). */
  private record Entry(String eventId, boolean insert, boolean clear, Promise<Void> done) {}

  private List<Entry> pending = new ArrayList<>();
  private boolean writing;
  private long loggedAtMs;

  DoneRecorder(Vertx vertx, String subscription, Processed store) {
    this.vertx = vertx;
    this.subscription = subscription;
    this.store = store;
  }

  /**
   * Records {@code eventId} as delivered when {@code idempotent} and forgets its attempts when it {@code
   * hadAttempts}; completes once that is written (at once when there is nothing to write).
   */
  Future<Void> delivered(String eventId, boolean idempotent, boolean hadAttempts) {
    if (!idempotent && !hadAttempts) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    pending.add(new Entry(eventId, idempotent, hadAttempts, p));
    if (!writing) {
      flush();
    }
    return p.future();
  }

  private void flush() {
    if (pending.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    List<Entry> batch;
    if (pending.size() <= MAX_BATCH) {
      batch = pending;
      pending = new ArrayList<>();
    } else {
      batch = new ArrayList<>(pending.subList(0, MAX_BATCH));
      pending.subList(0, MAX_BATCH).clear();
    }
    List<String> insert = batch.stream().filter(Entry::insert).map(Entry::eventId).toList();
    List<String> clear = batch.stream().filter(Entry::clear).map(Entry::eventId).toList();
    write(insert, clear, batch.size(), 1, 50).onComplete(ar -> {
      batch.forEach(e -> e.done().tryComplete());
      flush();
    });
  }

  private Future<Void> write(List<String> insert, List<String> clear, int size, int attempt, long delayMs) {
    return store.delivered(subscription, insert, clear).recover(err -> {
      if (attempt >= TRIES) {
        long now = System.currentTimeMillis();
        if (now - loggedAtMs > 10_000) {
          loggedAtMs = now;
          LOG.warn("Subscription {}: cannot record {} delivered event(s) in PostgreSQL ({}); they go on unrecorded "
              + "(read again after a crash, they would be delivered again)", subscription, size, err.toString());
        }
        return Future.succeededFuture();
      }
      Promise<Void> again = Promise.promise();
      vertx.setTimer(delayMs, id -> write(insert, clear, size, attempt + 1, delayMs * 4).onComplete(again));
      return again.future();
    });
  }
}
