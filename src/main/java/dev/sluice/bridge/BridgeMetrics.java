package dev.sluice.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/** The meters of one bridge route ({@code sluice.bridge.*}, tagged with the route name). */
final class BridgeMetrics {

  final Counter bridged;
  final Counter skipped;
  final Counter refused;
  final Counter deadLettered;
  final Counter retries;
  final Counter reconnects;
  private final MeterRegistry registry;
  private final String route;

  BridgeMetrics(MeterRegistry registry, String route, String direction) {
    this.registry = registry;
    this.route = route;
    bridged = counter("sluice.bridge.messages", direction, "bridged", "Messages bridged, by route");
    skipped = counter("sluice.bridge.messages", direction, "skipped-loop",
        "Messages not bridged because they already crossed bridge.max-hops bridges");
    refused = counter("sluice.bridge.messages", direction, "refused",
        "Messages refused for good whose dead letter cannot be written either: parked, unacknowledged at "
            + "their source, holding their key until the route stops");
    deadLettered = counter("sluice.bridge.messages", direction, "dead-lettered",
        "Messages refused for good by the far side, written to the route's dead-letter target");
    retries = Counter.builder("sluice.bridge.retries").description("Publishes retried after a failure")
        .tag("route", route).register(registry);
    reconnects = Counter.builder("sluice.bridge.reconnects").description("RabbitMQ connections lost and re-made")
        .tag("route", route).register(registry);
  }

  private Counter counter(String name, String direction, String result, String description) {
    return Counter.builder(name).description(description).tag("route", route).tag("direction", direction)
        .tag("result", result).register(registry);
  }

  void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).tag("route", route).register(registry);
  }
}
