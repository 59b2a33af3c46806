package dev.sluice.bridge;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A route's retries: an attempt is repeated with back-off (100 ms doubling to 2 s) until it succeeds
 * or {@code giveUp}. Failures are counted, and logged at most every {@value #LOG_EVERY_MS} ms per
 * route with how many there were, so that a key held by a message its far side keeps refusing is
 * visible without flooding the log during an outage. Confined to the route's event loop.
 */
final class Retry {

  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);
  private static final long LOG_EVERY_MS = 10_000;

  private final Vertx vertx;
  private final String route;
  private final String action;
  private final BooleanSupplier giveUp;
  private final Counter retries;
  private long loggedAtMs;
  private long unlogged;

  /**
   * @param action what is attempted, for the log ("publish to RabbitMQ")
   * @param giveUp checked after a failure: true ends the retries with that failure
   */
  Retry(Vertx vertx, String route, String action, BooleanSupplier giveUp, Counter retries) {
    this.vertx = vertx;
    this.route = route;
    this.action = action;
    this.giveUp = giveUp;
    this.retries = retries;
  }

  /** Runs {@code attempt} until it succeeds (or the route gives up). */
  Future<Void> until(Supplier<Future<Void>> attempt) {
    Promise<Void> result = Promise.promise();
    run(attempt, 100, result);
    return result.future();
  }

  private void run(Supplier<Future<Void>> attempt, long delay, Promise<Void> result) {
    Future<Void> f;
    try {
      f = attempt.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete();
      } else if (giveUp.getAsBoolean()) {
        result.fail(ar.cause());
      } else {
        retries.increment();
        log(ar.cause());
        vertx.setTimer(delay, id -> run(attempt, Math.min(2000, delay * 2), result));
      }
    });
  }

  private void log(Throwable cause) {
    long now = System.currentTimeMillis();
    if (now - loggedAtMs < LOG_EVERY_MS) {
      unlogged++;
      return;
    }
    String earlier = unlogged == 0 ? "" : " (and " + unlogged + " more failures since the last report)";
    LOG.warn("Route {}: {} failed: {}{}; retrying with back-off", route, action, cause.toString(), earlier);
    loggedAtMs = now;
    unlogged = 0;
  }
}
