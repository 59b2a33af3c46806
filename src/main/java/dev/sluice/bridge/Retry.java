package dev.sluice.bridge;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Repeats an attempt with back-off (100 ms doubling to 2 s) until it succeeds or {@code giveUp}. */
final class Retry {

  private Retry() {}

  static Future<Void> until(Vertx vertx, Supplier<Future<Void>> attempt, BooleanSupplier giveUp, Counter retries) {
    Promise<Void> result = Promise.promise();
    run(vertx, attempt, giveUp, retries, 100, result);
    return result.future();
  }

  private static void run(
      Vertx vertx, Supplier<Future<Void>> attempt, BooleanSupplier giveUp, Counter retries, long delay,
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
      } else {
        retries.increment();
        vertx.setTimer(delay, id -> run(vertx, attempt, giveUp, retries, Math.min(2000, delay * 2), result));
      }
    });
  }
}
