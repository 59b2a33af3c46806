package dev.sluice.fallback;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.List;

/**
 * How routed events become durable. Without a fallback: Kafka, through the one producer ({@link
 * Addresses#KAFKA_PUBLISH}), and its answer is the answer. With one ({@link SpoolingDelivery}): Kafka
 * behind a circuit breaker, and the spool for what Kafka cannot take. Used by the route verticle on its
 * event loop.
 */
public interface Delivery {

  /**
   * Delivers {@code events} (routed to {@code topics}, each with its route's fallback chain);
   * completes, never fails, with one outcome each.
   */
  Future<Outcome[]> deliver(List<Event> events, String[] topics, Chain[] chains, String traceparent);

  /** Starts what runs in the background (on the caller's context). */
  default Future<Void> start(Vertx vertx) {
    return Future.succeededFuture();
  }

  default Future<Void> stop() {
    return Future.succeededFuture();
  }

  /** Kafka only: today's fast path, unchanged. */
  static Delivery kafka(Vertx vertx, long publishTimeoutMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(publishTimeoutMs);
    return (events, topics, chains, traceparent) -> publish(vertx, options, events, topics, traceparent);
  }

  /** Publishes through the gateway's producer; a missing answer becomes per-event outcomes. */
  static Future<Outcome[]> publish(
      Vertx vertx, DeliveryOptions options, List<Event> events, String[] topics, String traceparent) {
    return vertx.eventBus()
        .<BatchOutcome>request(Addresses.KAFKA_PUBLISH, new Batch(events, topics, traceparent), options)
        .transform(ar -> Future.succeededFuture(ar.succeeded()
            ? ar.result().body().outcomes()
            : BatchOutcome.noAnswer(events.size(), ar.cause()).outcomes()));
  }
}
