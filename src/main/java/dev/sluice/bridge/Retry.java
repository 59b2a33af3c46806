package dev.sluice.bridge;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A route's retries: an attempt is repeated with back-off (100 ms doubling to 2 s) until it succeeds
 * or {@code giveUp}. Failures are counted, and logged at most every {@value #LOG_EVERY_MS} ms per
 * route with how many there were, so that an outage does not flood the log.
 *
 * <p>A failure the far side will repeat for ever ({@code permanent}: Kafka refusing the record itself)
 * is not retried: retrying would change nothing, and a refused record fails the other records of its
 * producer batch with it. The message is parked instead: counted as refused, logged, its attempt left
 * pending, so it stays unacknowledged at its source (nothing is lost) and holds its key, one slot of
 * the route's concurrency and of the in-flight bounds. {@link #releaseParked} fails the parked attempts
 * of a source whose connection was lost (the broker redelivers the message; the old attempt must not
 * hold its slots for ever); {@link #stopParking} fails them all and every later one, so that a stopping
 * route does not wait for them. Confined to the route's event loop.
 */
final class Retry {

  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);
  private static final long LOG_EVERY_MS = 10_000;

  private final Vertx vertx;
  private final String route;
  private final String action;
  private final BooleanSupplier giveUp;
  private final Counter retries;
  private final Predicate<Throwable> permanent;
  private final Counter refused;
  private final List<Parked> parked = new ArrayList<>();
  private boolean parking = true;
  private long loggedAtMs;
  private long unlogged;

  /**
   * @param action what is attempted, for the log ("publish to RabbitMQ")
   * @param giveUp checked after a failure: true ends the retries with that failure
   * @param permanent a failure that retrying cannot mend: the attempt is parked (see the class comment)
   * @param refused counts the parked attempts
   */
  Retry(Vertx vertx, String route, String action, BooleanSupplier giveUp, Counter retries,
      Predicate<Throwable> permanent, Counter refused) {
    this.vertx = vertx;
    this.route = route;
    this.action = action;
    this.giveUp = giveUp;
    this.retries = retries;
    this.permanent = permanent;
    this.refused = refused;
  }

  /** An attempt refused for good, of a message from {@code source}. */
  private record Parked(Object source, Runnable release) {}

  /** Fails the parked attempts of messages from {@code source} (with the failure that parked them). */
  void releaseParked(Object source) {
    List<Parked> mine = parked.stream().filter(p -> p.source() == source).toList();
    parked.removeAll(mine);
    mine.forEach(p -> p.release().run());
  }

  /** Fails every parked attempt, and from now on fails a refused one at once instead of parking it. */
  void stopParking() {
    parking = false;
    List<Parked> all = new ArrayList<>(parked);
    parked.clear();
    all.forEach(p -> p.release().run());
  }

  /**
   * Runs {@code attempt} until it succeeds (or the route gives up, or the far side refuses it for
   * good); {@code what} names the message in the log, {@code source} where it came from.
   */
  Future<Void> until(Supplier<Future<Void>> attempt, Supplier<String> what, Object source) {
    Promise<Void> result = Promise.promise();
    run(attempt, what, source, 100, result);
    return result.future();
  }

  private void run(Supplier<Future<Void>> attempt, Supplier<String> what, Object source, long delay,
      Promise<Void> result) {
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
      } else if (permanent.test(ar.cause())) {
        if (!parking) {
          result.fail(ar.cause());
          return;
        }
        refused.increment();
        parked.add(new Parked(source, () -> result.tryFail(ar.cause())));
        LOG.error("Route {}: {} refused for good: {}; not retried: it stays unacknowledged at its source "
            + "and holds its key until the gateway stops", route, what.get(), ar.cause().toString());
      } else {
        retries.increment();
        log(ar.cause());
        vertx.setTimer(delay, id -> run(attempt, what, source, Math.min(2000, delay * 2), result));
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
