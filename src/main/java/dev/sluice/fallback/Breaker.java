package dev.sluice.fallback;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker (vertx-circuit-breaker: open, half-open after {@code resetMs} with one trial call,
 * closed again on its success) that opens on a failure <em>rate</em>: at least {@code threshold} of
 * the calls of the last {@code windowMs} failed, over at least {@code minCalls} calls. The library
 * counts failures but forgets them on any success, so a broker failing every other call of concurrent
 * traffic would never open it; here the library is left its state machine and its half-open trial,
 * and {@link FailureRate} decides when to open. State as {@code sluice_breaker_state{breaker}} (0
 * closed, 1 half-open, 2 open); each transition is logged once. Use on one event loop.
 */
public final class Breaker {

  private static final Logger LOG = LoggerFactory.getLogger(Breaker.class);

  private final String name;
  private final CircuitBreaker breaker;
  private final FailureRate rate;
  private final double threshold;

  public Breaker(Vertx vertx, String name, long windowMs, int minCalls, double threshold, long resetMs,
      MeterRegistry registry) {
    this.name = name;
    this.threshold = threshold;
    this.rate = new FailureRate(windowMs, minCalls, threshold);
    this.breaker = CircuitBreaker.create("sluice-" + name, vertx, new CircuitBreakerOptions()
        .setMaxFailures(Integer.MAX_VALUE) // opened by the failure rate, not by the library's count
        .setTimeout(-1) // each call has its own deadline
        .setResetTimeout(resetMs)
        .setFallbackOnFailure(false)
        .setNotificationAddress(null));
    breaker.openHandler(v -> LOG.warn("Breaker {} open: {}% of the calls of the last {} s failed; calls go to the"
        + " fallback, a trial in {} ms", name, Math.round(threshold * 100), windowMs / 1000, resetMs));
    breaker.halfOpenHandler(v -> LOG.info("Breaker {} half-open: one trial call", name));
    breaker.closeHandler(v -> {
      rate.clear();
      LOG.info("Breaker {} closed: calls go through again", name);
    });
    Gauge.builder("sluice.breaker.state", this, b -> b.stateCode())
        .description("Circuit breaker state: 0 closed, 1 half-open, 2 open")
        .tag("breaker", name)
        .register(registry);
  }

  /** The call is not made: the breaker is open (or half-open and its trial is under way). */
  public static boolean rejected(Throwable failure) {
    return failure instanceof OpenCircuitException;
  }

  /**
   * Runs {@code call} unless the breaker is open (then fails at once with {@link
   * OpenCircuitException}); a result {@code failed} says is a failure counts as one (and fails the
   * half-open trial) but is still returned as it is.
   */
  public <T> Future<T> call(Supplier<Future<T>> call, Predicate<T> failed) {
    CircuitBreakerState before = breaker.state();
    Future<T> result = breaker.<T>execute(p -> call.get().onComplete(ar -> {
      if (ar.succeeded() && !failed.test(ar.result())) {
        p.complete(ar.result());
      } else {
        p.fail(ar.succeeded() ? new Outcome(ar.result()) : ar.cause());
      }
    })).recover(err -> err instanceof Outcome o ? Future.succeededFuture(cast(o.result)) : Future.failedFuture(err));
    return result.andThen(ar -> {
      if (rejected(ar.cause())) {
        return;
      }
      boolean bad = ar.failed() || failed.test(ar.result());
      if (before == CircuitBreakerState.CLOSED && breaker.state() == CircuitBreakerState.CLOSED
          && rate.record(bad, System.currentTimeMillis())) {
        breaker.open();
      }
    });
  }

  /** Opens it at once when closed (the protected side was seen failing some other way), saying why. */
  public void open(String why) {
    if (breaker.state() == CircuitBreakerState.CLOSED) {
      LOG.warn("Breaker {}: {}", name, why);
      breaker.open();
    }
  }

  /**
   * Closes it when half-open (the protected side was seen working some other way), saying why; when
   * open it becomes half-open after its reset time as usual.
   */
  public void close(String why) {
    if (breaker.state() == CircuitBreakerState.HALF_OPEN) {
      LOG.info("Breaker {}: {}", name, why);
      breaker.reset();
    }
  }

  public CircuitBreakerState state() {
    return breaker.state();
  }

  public boolean closed() {
    return breaker.state() == CircuitBreakerState.CLOSED;
  }

  public String name() {
    return name;
  }

  int stateCode() {
    return switch (breaker.state()) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  /** A result that counts as a failure for the breaker but is handed back to the caller as it is. */
  private static final class Outcome extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Object result;

    Outcome(Object result) {
      super(null, null, false, false);
      this.result = result;
    }
  }
}
