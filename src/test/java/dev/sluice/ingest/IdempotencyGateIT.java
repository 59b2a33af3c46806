package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Failure;
import dev.sluice.config.IdempotencyConfig;
import dev.sluice.store.Idempotency;
import dev.sluice.store.Store;
import dev.sluice.testsupport.PostgresDb;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gate answers on the caller's event loop (a request's state is confined to it), whichever thread
 * completed the store's futures: a store opened on another context, a store that never answers (the
 * timeout fires on a timer thread).
 */
class IdempotencyGateIT {

  private static final IdempotencyConfig CONFIG = new IdempotencyConfig(true, 60_000, 10_000, 300, 60_000, 100);

  private Vertx vertx;
  private Store store;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = await(Store.open(vertx, PostgresDb.uri(), PostgresDb.uniqueSchema(), 2));
  }

  @AfterEach
  void close() {
    await(store.close());
    await(vertx.close());
  }

  @Test
  void aStoreOpenedOnAnotherContextAnswersOnTheCallers() throws Exception {
    Promise<Idempotency> opening = Promise.promise();
    Context other = vertx.getOrCreateContext();
    IdempotencyGate gate = gate(opening::future);
    Context caller = vertx.getOrCreateContext();
    CompletableFuture<Object> seen = new CompletableFuture<>();
    caller.runOnContext(v -> {
      gate.claim("s", "k", new byte[] {1}).onComplete(ar -> seen.complete(
          Vertx.currentContext() == caller ? ar.result() : "answered on " + Thread.currentThread().getName()));
      other.runOnContext(x -> opening.complete(new Idempotency(store)));
    });
    assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOf(IdempotencyGate.Proceed.class);
  }

  @Test
  void aStoreThatNeverAnswersIsUnavailableOnTheCallersContext() throws Exception {
    Promise<Idempotency> never = Promise.promise();
    IdempotencyGate gate = gate(never::future);
    Context caller = vertx.getOrCreateContext();
    CompletableFuture<Object> seen = new CompletableFuture<>();
    caller.runOnContext(v -> gate.claim("s", "k", new byte[] {1}).onComplete(ar -> seen.complete(
        Vertx.currentContext() == caller ? ar.result() : "answered on " + Thread.currentThread().getName())));
    assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(IdempotencyGate.Refuse.class,
        r -> assertThat(r.failure()).isEqualTo(Failure.IDEMPOTENCY_UNAVAILABLE));
  }

  private static IdempotencyGate gate(Supplier<Future<Idempotency>> store) {
    return new IdempotencyGate(CONFIG, 10_000, store, new SimpleMeterRegistry(), "http");
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
