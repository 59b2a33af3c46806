package dev.sluice.route;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.RoutingConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives each event of a batch its topic and forwards the routed ones to the Kafka publisher; events
 * whose type matches no rule are answered {@link Failure#UNKNOWN_EVENT_TYPE} without reaching a broker.
 */
public final class RouteVerticle extends VerticleBase {

  private final RoutingTable table;
  private final DeliveryOptions publish;
  private MessageConsumer<Batch> consumer;

  /**
   * @param publishTimeoutMs how long to wait for the publisher's answer (past the delivery timeout)
   */
  public RouteVerticle(RoutingConfig config, long publishTimeoutMs) {
    this.table = new RoutingTable(config);
    this.publish = new DeliveryOptions().setSendTimeout(publishTimeoutMs);
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.ROUTE, this::route);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private void route(Message<Batch> msg) {
    Batch batch = msg.body();
    int n = batch.size();
    String[] topics = new String[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      topics[i] = table.topicFor(batch.events().get(i).eventType());
      if (topics[i] != null) {
        count++;
      }
    }
    int routed = count;
    if (routed == n) {
      Batch out = new Batch(batch.events(), topics, batch.traceparent());
      vertx.eventBus()
          .<BatchOutcome>request(Addresses.KAFKA_PUBLISH, out, publish)
          .onComplete(ar -> msg.reply(ar.succeeded() ? ar.result().body() : BatchOutcome.noAnswer(n, ar.cause())));
      return;
    }
    Outcome[] outcomes = new Outcome[n];
    List<Event> events = new ArrayList<>(routed);
    String[] routedTopics = new String[routed];
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
        positions[j++] = i;
      }
    }
    if (routed == 0) {
      msg.reply(new BatchOutcome(outcomes));
      return;
    }
    vertx.eventBus()
        .<BatchOutcome>request(
            Addresses.KAFKA_PUBLISH, new Batch(events, routedTopics, batch.traceparent()), publish)
        .onComplete(
            ar -> {
              Outcome[] published =
                  ar.succeeded() ? ar.result().body().outcomes() : BatchOutcome.noAnswer(routed, ar.cause()).outcomes();
              for (int j = 0; j < routed; j++) {
                outcomes[positions[j]] = published[j];
              }
              msg.reply(new BatchOutcome(outcomes));
            });
  }

}
