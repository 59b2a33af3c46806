package dev.sluice.admin;

import dev.sluice.bus.Addresses;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.store.DeadLetters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A replay: the dead letters of a subscription matching a filter, dead-lettered before the job started,
 * read in batches in (dead_at, event_id) order and sent one by one at {@code rate} per second at most to
 * the subscription ({@link Addresses#replay}). Delivered or skipped: the dead letter is removed (unless a
 * new failure replaced it meanwhile); dead-lettered again: the subscription replaced it. A failed reply
 * (no subscription running, a timeout) ends the job as failed. Confined to the context that starts it.
 */
final class ReplayJob {

  /** A replayed event goes through the subscription's retries: its answer may take that long. */
  static final long REPLY_TIMEOUT_MS = 600_000;

  private final Vertx vertx;
  private final DeadLetters store;
  private final String id;
  private final String subscription;
  private final DeadLetters.Filter filter;
  private final int rate;
  private final int batchSize;
  private final Promise<JsonObject> ended = Promise.promise();
  private Context context;
  private DeadLetters.Filter bounded;
  private long nextSlotNanos;
  private String status = "running";
  private String error;
  private long matched;
  private long delivered;
  private long skipped;
  private long deadLetteredAgain;

  ReplayJob(Vertx vertx, DeadLetters store, String id, String subscription, DeadLetters.Filter filter, int rate,
      int batchSize) {
    this.vertx = vertx;
    this.store = store;
    this.id = id;
    this.subscription = subscription;
    this.filter = filter;
    this.rate = rate;
    this.batchSize = batchSize;
  }

  String id() {
    return id;
  }

  /** Starts the job on the caller's context; completes with its final JSON once it ended. */
  Future<JsonObject> start() {
    context = vertx.getOrCreateContext();
    store.now().onComplete(ar -> {
      if (ar.failed()) {
        end(ar.cause());
        return;
      }
      Instant now = ar.result();
      Instant to = filter.to() == null || filter.to().isAfter(now) ? now : filter.to();
      bounded = new DeadLetters.Filter(filter.eventType(), filter.failureClass(), filter.status(), filter.from(), to,
          filter.ids());
      read(null);
    });
    return ended.future();
  }

  private void read(String cursor) {
    store.batch(subscription, bounded, batchSize, cursor).onComplete(ar -> {
      if (ar.failed()) {
        end(ar.cause());
        return;
      }
      List<StoredDeadLetter> rows = ar.result();
      if (rows.isEmpty()) {
        end(null);
        return;
      }
      matched += rows.size();
      List<Future<Void>> sent = new ArrayList<>(rows.size());
      rows.forEach(d -> sent.add(paced(d)));
      Future.join(sent).onComplete(x -> {
        if (!"running".equals(status)) {
          ended.tryComplete(json());
        } else if (rows.size() < batchSize) {
          end(null);
        } else {
          read(DeadLetters.cursorAfter(rows.get(rows.size() - 1)));
        }
      });
    });
  }

  /** Sends {@code d} at its slot: one every 1/rate seconds. */
  private Future<Void> paced(StoredDeadLetter d) {
    long now = System.nanoTime();
    long slot = Math.max(now, nextSlotNanos);
    nextSlotNanos = slot + 1_000_000_000L / rate;
    long delayMs = (slot - now) / 1_000_000;
    Promise<Void> done = Promise.promise();
    Runnable go = () -> {
      if (!"running".equals(status)) {
        done.complete(); // the job failed: what was not sent stays
      } else {
        send(d).onComplete(done);
      }
    };
    if (delayMs < 1) {
      context.runOnContext(v -> go.run());
    } else {
      vertx.setTimer(delayMs, t -> go.run());
    }
    return done.future();
  }

  private Future<Void> send(StoredDeadLetter d) {
    return vertx.eventBus()
        .request(Addresses.replay(subscription), d, new DeliveryOptions().setSendTimeout(REPLY_TIMEOUT_MS))
        .compose(reply -> {
          String answer = String.valueOf(reply.body());
          switch (answer) {
            case "delivered" -> delivered++;
            case "skipped" -> skipped++;
            case "dead-lettered" -> {
              deadLetteredAgain++;
              return Future.<Void>succeededFuture();
            }
            default -> {
              return Future.<Void>failedFuture("the subscription answered '" + answer + "' to " + d.eventId());
            }
          }
          return store.deleteOne(subscription, d.eventId(), d.deadAt()).<Void>mapEmpty();
        })
        .recover(err -> {
          if ("running".equals(status)) {
            status = "failed";
            error = "replay of " + d.eventId() + ": " + (err.getMessage() != null ? err.getMessage() : err.toString());
          }
          return Future.succeededFuture();
        });
  }

  private void end(Throwable err) {
    if (err != null && "running".equals(status)) {
      status = "failed";
      error = err.getMessage() != null ? err.getMessage() : err.toString();
    } else if ("running".equals(status)) {
      status = "done";
    }
    ended.tryComplete(json());
  }

  /** {@code {id, subscription, status, matched, delivered, skipped, deadLetteredAgain, error}}. */
  JsonObject json() {
    return new JsonObject()
        .put("id", id)
        .put("subscription", subscription)
        .put("status", status)
        .put("matched", matched)
        .put("delivered", delivered)
        .put("skipped", skipped)
        .put("deadLetteredAgain", deadLetteredAgain)
        .put("error", error);
  }
}
