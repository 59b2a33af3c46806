package dev.sluice.ingest;

import dev.sluice.auth.Authenticator;
import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.CloudEventReader;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.PayloadCheck;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What every request and stream of one ingest instance shares, and the one way events leave ingest. */
record IngestContext(
    Vertx vertx,
    GatewayState state,
    InFlight inFlight,
    EnvelopeReader reader,
    CloudEventReader cloudEvents,
    PayloadCheck payloads,
    IngestMetrics metrics,
    EventBus bus,
    DeliveryOptions routeDelivery,
    int maxBodyBytes,
    long bodyTimeoutMs,
    String retryAfter,
    IdempotencyGate idempotency,
    Authenticator auth,
    TenantGate tenants) {

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

  /**
   * As {@link #publish(List, String)}, for events that may carry their own trace contexts ({@code
   * traceparents}, one per event, null elements taking the request's {@code traceparent}; the array
   * itself null when none does): each run of neighbours with the same trace context travels as one
   * batch, the runs sent at once in request order, so that events of one key reach Kafka in the order of
   * the request (route and publisher take batches in the order they were sent); the outcomes come back
   * in request order.
   */
  Future<Outcome[]> publish(List<Event> events, String traceparent, String[] traceparents) {
    if (traceparents == null) {
      return publish(events, traceparent);
    }
    Outcome[] outcomes = new Outcome[events.size()];
    List<Future<Outcome[]>> sent = new ArrayList<>();
    int from = 0;
    while (from < events.size()) {
      String tp = traceparents[from] != null ? traceparents[from] : traceparent;
      int to = from + 1;
      while (to < events.size() && Objects.equals(traceparents[to] != null ? traceparents[to] : traceparent, tp)) {
        to++;
      }
      int first = from;
      sent.add(publish(events.subList(from, to), tp).onSuccess(out -> System.arraycopy(out, 0, outcomes, first, out.length)));
      from = to;
    }
    return Future.join(sent).transform(ar -> Future.succeededFuture(outcomes));
  }
}
