package dev.sluice.fallback;

import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import io.vertx.core.Future;
import java.util.List;

/**
 * A synchronous fallback: a downstream service that takes events while Kafka cannot, whose OK makes an
 * event durable (the client is told {@code delivered} and by which target). A route names its chain in
 * {@code routes.yaml} ({@code fallback: [grpc:orders-service, spool]}); each target sits behind its own
 * circuit breaker. Implementations are used from one event loop.
 */
public interface FallbackTarget {

  /** How routes and answers name it, e.g. {@code grpc:orders-service}. */
  String name();

  /**
   * Delivers {@code events} (routed to {@code topics}, with the request's trace context); completes,
   * never fails, with one outcome per event: {@link Outcome#delivered} when the target took it, else
   * failed (retryable: the next link of the chain gets it).
   */
  Future<Outcome[]> deliver(List<Event> events, String[] topics, String traceparent);

  /** Releases its connections. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
