package dev.sluice.subscribe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/** The meters of one subscription ({@code sluice.subscription.*}, tagged with its name). */
final class SubscriptionMetrics {

  final Counter delivered;
  final Counter deadLettered;
  final Counter duplicates;
  final Counter filtered;
  final Counter retries;
  final Counter ambiguous;
  final Timer sink;
  private final MeterRegistry registry;
  private final String name;

  SubscriptionMetrics(MeterRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
    delivered = events("delivered");
    deadLettered = events("dead-lettered");
    duplicates = events("skipped-duplicate");
    filtered = events("filtered");
    retries = Counter.builder("sluice.subscription.retries").description("Delivery attempts that failed and are "
        + "tried again").tag("subscription", name).register(registry);
    ambiguous = Counter.builder("sluice.subscription.ambiguous").description("Failed attempts the sink may have "
        + "taken all the same (a timeout, a connection lost after the request was written): each may make a "
        + "duplicate at the sink").tag("subscription", name).register(registry);
    sink = Timer.builder("sluice.subscription.sink.latency").description("Time from a delivery's start to the "
        + "sink's answer").tag("subscription", name).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
  }

  private Counter events(String result) {
    return Counter.builder("sluice.subscription.events").description("Events a subscription finished, by result: "
        + "delivered (the sink took it), dead-lettered, skipped-duplicate (delivered before), filtered (not of its "
        + "event types)").tag("subscription", name)
        .tag("result", result).register(registry);
  }

  void gauge(String metric, String description, Supplier<Number> value) {
    Gauge.builder(metric, value).description(description).tag("subscription", name).register(registry);
  }
}
