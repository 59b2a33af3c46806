package dev.sluice.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The breaker over the real vertx-circuit-breaker, on a real event loop. */
@ExtendWith(VertxExtension.class)
class BreakerTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void halfOfConcurrentCallsFailingOpensIt(Vertx vertx, VertxTestContext ctx) {
    vertx.runOnContext(v -> {
      Breaker b = new Breaker(vertx, "kafka", 10_000, 20, 0.5, 60_000, registry);
      AtomicInteger made = new AtomicInteger();
      // concurrent calls, every other one failing, completing in an interleaved order
      List<Promise<Boolean>> pending = new ArrayList<>();
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Promise<Boolean> p = Promise.promise();
        pending.add(p);
        results.add(b.call(() -> {
          made.incrementAndGet();
          return p.future();
        }, ok -> !ok));
      }
      for (int i = 0; i < 40; i++) {
        pending.get(i).complete(i % 2 == 0); // true = ok
      }
      Future.join(results).onComplete(x -> ctx.verify(() -> {
        assertThat(b.state()).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(registry.get("sluice.breaker.state").tag("breaker", "kafka").gauge().value()).isEqualTo(2.0);
        // the failed results still reach the caller as they were
        assertThat(results.get(1).result()).isFalse();
        // open: the next call is not made
        b.call(() -> {
          made.incrementAndGet();
          return Future.succeededFuture(true);
        }, ok -> !ok).onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(Breaker.rejected(err)).isTrue();
          assertThat(made.get()).isEqualTo(40);
          ctx.completeNow();
        })));
      }));
    });
  }

  @Test
  void aThirdFailingKeepsItClosed(Vertx vertx, VertxTestContext ctx) {
    vertx.runOnContext(v -> {
      Breaker b = new Breaker(vertx, "kafka", 10_000, 20, 0.5, 60_000, registry);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 90; i++) {
        boolean ok = i % 3 != 0;
        results.add(b.call(() -> Future.succeededFuture(ok), r -> !r));
      }
      Future.join(results).onComplete(x -> ctx.verify(() -> {
        assertThat(b.state()).isEqualTo(CircuitBreakerState.CLOSED);
        ctx.completeNow();
      }));
    });
  }

  @Test
  void aSuccessfulTrialClosesItAndAFailedOneOpensItAgain(Vertx vertx, VertxTestContext ctx) {
    vertx.runOnContext(v -> {
      Breaker b = new Breaker(vertx, "grpc", 10_000, 2, 0.5, 100, registry);
      b.call(() -> Future.failedFuture("down"), r -> false)
          .transform(x -> b.call(() -> Future.failedFuture("down"), r -> false))
          .onComplete(x -> {
            assertThat(b.state()).isEqualTo(CircuitBreakerState.OPEN);
            vertx.setPeriodic(20, id -> {
              if (b.state() != CircuitBreakerState.HALF_OPEN) {
                return;
              }
              vertx.cancelTimer(id);
              b.call(() -> Future.failedFuture("still down"), r -> false).onComplete(trial -> ctx.verify(() -> {
                assertThat(trial.failed()).isTrue();
                assertThat(b.state()).as("a failed trial").isEqualTo(CircuitBreakerState.OPEN);
                vertx.setPeriodic(20, id2 -> {
                  if (b.state() != CircuitBreakerState.HALF_OPEN) {
                    return;
                  }
                  vertx.cancelTimer(id2);
                  b.call(() -> Future.succeededFuture("up"), r -> false).onComplete(ok -> ctx.verify(() -> {
                    assertThat(ok.result()).isEqualTo("up");
                    assertThat(b.state()).as("a successful trial").isEqualTo(CircuitBreakerState.CLOSED);
                    ctx.completeNow();
                  }));
                });
              }));
            });
          });
    });
  }
}
