package dev.sluice.subscribe;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BasicProperties;
import dev.sluice.bridge.DeadLetterExchange;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.RabbitConfig;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.config.SubscriptionsConfig.Subscription;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.pool.RabbitSource;
import dev.sluice.rabbit.RabbitLink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A RabbitMQ queue as a subscription's input, on a connection of its own ({@link RabbitSource}: manual
 * acks, the prefetch {@code subscriptions.max-in-flight-per-source} bounds what is taken; a delivery is
 * acked once finished, requeued when abandoned). Dead letters go to the subscription's dead-letter
 * exchange (declared durable fanout with a durable queue of the same name, see {@link
 * DeadLetterExchange}). While the sink's breaker is open nothing is attempted; what the prefetch let in
 * waits, and no more arrives.
 */
final class QueueInput implements Input {

  private final Vertx vertx;
  private final Subscription sub;
  private final RabbitSource source;
  private final RabbitLink link;
  private final DeadLetterExchange deadLetters;
  private long starvationTimer = -1;

  QueueInput(Vertx vertx, Subscription sub, SubscriptionsConfig config, RabbitConfig rabbit, GatewayState state,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.sub = sub;
    Counter reconnects = Counter.builder("sluice.subscription.reconnects").description("RabbitMQ connections lost "
        + "and made again").tag("subscription", sub.name()).register(registry);
    this.source = new RabbitSource(List.of(sub.queue()), config.maxInFlightPerSource(), new AtomicInteger(), null);
    this.link = new RabbitLink(vertx, rabbit, "subscription " + sub.name(), state, reconnects, source::setup,
        source::connectionLost);
    source.link(link);
    this.deadLetters = new DeadLetterExchange(vertx, rabbit, "subscription " + sub.name(), sub.deadLetter(), state,
        reconnects, 1000);
  }

  @Override
  public void start(Consumer<List<Message>> sink) {
    source.sink(d -> sink.accept(List.of(Message.of(d))));
    deadLetters.start();
    link.start();
    starvationTimer = vertx.setPeriodic(1000, id -> source.checkStarved(2000));
  }

  @Override
  public void done(Message m) {
    source.done((RabbitSource.Delivery) m.handle(), true);
  }

  @Override
  public void abandon(Message m) {
    source.done((RabbitSource.Delivery) m.handle(), false);
  }

  @Override
  public void hold(boolean hold) {
    // the prefetch window bounds what waits while the breaker is open
  }

  @Override
  public int paused() {
    return 0;
  }

  @Override
  public Future<Void> deadLetter(Message m, DeadLetter letter) {
    if (m.handle() instanceof RabbitSource.Delivery d) {
      return deadLetters.publish(d.message().properties(), d.message().body(),
          d.message().envelope().getRoutingKey(), letter);
    }
    // a replayed dead letter: its stored headers and ids are what is left of its properties
    Map<String, Object> headers = new LinkedHashMap<>();
    m.headers().forEach(h -> headers.put(h.name(), new String(h.value(), StandardCharsets.UTF_8)));
    BasicProperties p = new AMQP.BasicProperties.Builder().messageId(m.eventId()).type(m.eventType())
        .correlationId(m.correlationId()).contentType("application/json").headers(headers).build();
    return deadLetters.publish(p, Buffer.buffer(m.value()), "", letter);
  }

  @Override
  public Future<Void> stop(long timeoutMs) {
    if (starvationTimer >= 0) {
      vertx.cancelTimer(starvationTimer);
    }
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    source.stopConsuming().onComplete(x -> vertx.setPeriodic(20, id -> {
      if (source.inFlight() == 0 || System.currentTimeMillis() >= deadline) {
        vertx.cancelTimer(id);
        drained.tryComplete();
      }
    }));
    return drained.future().compose(v -> link.stop()).compose(v -> deadLetters.stop());
  }
}
