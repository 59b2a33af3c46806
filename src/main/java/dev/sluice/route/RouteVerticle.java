package dev.sluice.route;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.FallbackConfig;
import dev.sluice.config.RoutingConfig;
import dev.sluice.fallback.Chain;
import dev.sluice.fallback.Delivery;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives each event of a batch its topic and fallback chain and has the routed ones delivered; events
 * whose type matches no rule are answered {@link Failure#UNKNOWN_EVENT_TYPE} without reaching a broker.
 */
public final class RouteVerticle extends VerticleBase {

  private final RoutingTable table;
  private final Delivery delivery;
  private MessageConsumer<Batch> consumer;

  /**
   * @param fallback the routes' fallback chains (null: none)
   * @param spoolEnabled whether the default chain's spool counts
   * @param delivery how routed events become durable (Kafka, or Kafka with fallbacks behind it)
   */
  public RouteVerticle(RoutingConfig config, FallbackConfig fallback, boolean spoolEnabled, Delivery delivery) {
    this.table = new RoutingTable(config, fallback, spoolEnabled);
    this.delivery = delivery;
  }

  @Override
  public Future<?> start() {
    return delivery.start(vertx).compose(v -> {
      consumer = vertx.eventBus().consumer(Addresses.ROUTE, this::route);
      return consumer.completion();
    });
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().compose(v -> delivery.stop());
  }

  private void route(Message<Batch> msg) {
    Batch batch = msg.body();
    int n = batch.size();
    String[] topics = new String[n];
    Chain[] chains = new Chain[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      RoutingTable.Route r = table.routeFor(batch.events().get(i).eventType());
      topics[i] = r.topic();
      chains[i] = r.chain();
      if (topics[i] != null) {
        count++;
      }
    }
    int routed = count;
    if (routed == n) {
      delivery.deliver(batch.events(), topics, chains, batch.traceparent())
          .onComplete(ar -> msg.reply(ar.succeeded() ? new BatchOutcome(ar.result()) : BatchOutcome.noAnswer(n, ar.cause())));
      return;
    }
    Outcome[] outcomes = new Outcome[n];
    List<Event> events = new ArrayList<>(routed);
    String[] routedTopics = new String[routed];
    Chain[] routedChains = new Chain[routed];
    int[] positions = new int[routed];
    for (int i = 0, j = 0; i < n; i++) {
      Event e = batch.events().get(i);
      if (topics[i] == null) {
        outcomes[i] =
            Outcome.failed(
                Failure.UNKNOWN_EVENT_TYPE, "no route for event type '" + e.eventType() + "'");
      } else {
        events.add(e);
        routedTopics[j] = topics[i];
        routedChains[j] = chains[i];
        positions[j++] = i;
      }
    }
    if (routed == 0) {
      msg.reply(new BatchOutcome(outcomes));
      return;
    }
    delivery.deliver(events, routedTopics, routedChains, batch.traceparent())
        .onComplete(
            ar -> {
              Outcome[] published = ar.succeeded() ? ar.result() : BatchOutcome.noAnswer(routed, ar.cause()).outcomes();
              for (int j = 0; j < routed; j++) {
                outcomes[positions[j]] = published[j];
              }
              msg.reply(new BatchOutcome(outcomes));
            });
  }
}
