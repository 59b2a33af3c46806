package dev.sluice.ingest;

import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.schema.EnvelopeReader;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/** What every request of one ingest instance shares. */
record IngestContext(
    GatewayState state,
    InFlight inFlight,
    EnvelopeReader reader,
    IngestMetrics metrics,
    EventBus bus,
    DeliveryOptions routeDelivery,
    int maxBodyBytes,
    String retryAfter) {}
