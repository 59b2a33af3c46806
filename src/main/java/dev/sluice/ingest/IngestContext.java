package dev.sluice.ingest;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.PayloadCheck;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.List;

/** What every request and stream of one ingest instance shares, and the one way events leave ingest. */
record IngestContext(
    Vertx vertx,
    GatewayState state,
    InFlight inFlight,
    EnvelopeReader reader,
    PayloadCheck payloads,
    IngestMetrics metrics,
    EventBus bus,
    DeliveryOptions routeDelivery,
    int maxBodyBytes,
    long bodyTimeoutMs,
    String retryAfter) {

  /**
   * Asks {@code route} to deliver valid events; completes (never fails) with one outcome per event, in
   * order: when no part answers in time, every event failed with a retryable failure.
   */
  Future<Outcome[]> publish(List<Event> events, String traceparent) {
    return bus.<BatchOutcome>request(Addresses.ROUTE, Batch.unrouted(events, traceparent), routeDelivery)
        .transform(
            ar ->
                Future.succeededFuture(
                    ar.succeeded()
                        ? ar.result().body().outcomes()
                        : BatchOutcome.noAnswer(events.size(), ar.cause()).outcomes()));
  }
}
