package dev.sluice.pool;

import dev.sluice.rabbit.RabbitLink;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.rabbitmq.QueueOptions;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQConsumer;
import io.vertx.rabbitmq.RabbitMQMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consumes RabbitMQ queues with manual acks and a prefetch window (the bound of unacked deliveries per
 * queue, so the client's internal queue, sized above it, never drops a delivery). Install {@link
 * #setup} as the link's setup (QoS and consumers are restored on every connection) and {@link
 * #connectionLost} as its down handler. A delivery is acked by {@link #done} only on the connection it
 * came from; one from a lost connection is redelivered by the broker. Confined to one event loop.
 *
 * <p>Give each source a link of its own and one queue: vertx-rabbitmq-client 5.0.7 resumes a new
 * consumer before the caller can set its handler, and drops what arrives in between (unacked, so the
 * prefetch window fills and the consumer starves). On a channel with one consumer the dropped
 * deliveries are exactly the tags before the first one seen: they are requeued with one
 * {@code basicNack(first - 1, multiple)}. As a last resort, a source with nothing in flight that
 * gets no delivery while its queue holds messages reconnects ({@link #checkStarved}).
 */
public final class RabbitSource {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RabbitSource.class);

  /** A delivery and the link generation (connection) it came on. */
  public record Delivery(RabbitMQMessage message, long generation, String queue) {}

  private final List<String> queues;
  private final int prefetch;
  private final AtomicInteger processInFlight;
  private Handler<Delivery> sink;
  private final List<RabbitMQConsumer> consumers = new ArrayList<>();
  private RabbitLink link;
  private int inFlight;
  private boolean stopped;
  private long firstTag = -1;
  private RabbitMQClient client;
  private long generation = -1;
  private long lastDelivery;

  public RabbitSource(List<String> queues, int prefetch, AtomicInteger processInFlight, Handler<Delivery> sink) {
    this.queues = List.copyOf(queues);
    this.prefetch = prefetch;
    this.processInFlight = processInFlight;
    this.sink = sink;
  }

  /** Where deliveries go (on the event loop). */
  public void sink(Handler<Delivery> sink) {
    this.sink = sink;
  }

  public void link(RabbitLink link) {
    this.link = link;
  }

  /** On a new connection: QoS, then one consumer per queue. */
  public Future<Void> setup(RabbitMQClient client, long generation) {
    // the link publishes client and generation only after setup: deliveries may be done before that
    this.client = client;
    this.generation = generation;
    consumers.clear();
    firstTag = -1;
    lastDelivery = System.currentTimeMillis();
    Future<Void> chain = client.basicQos(prefetch);
    for (String queue : queues) {
      QueueOptions options =
          new QueueOptions().setAutoAck(false).setMaxInternalQueueSize(prefetch * 2 + 16);
      chain =
          chain.compose(
              v ->
                  stopped
                      ? Future.succeededFuture()
                      : client
                          .basicConsumer(queue, options)
                          .map(
                              c -> {
                                consumers.add(c);
                                c.handler(m -> deliver(new Delivery(m, generation, queue)));
                                return null;
                              }));
    }
    return chain;
  }

  private void deliver(Delivery d) {
    if (firstTag < 0 && generation == d.generation()) {
      firstTag = d.message().envelope().getDeliveryTag();
      if (firstTag > 1) {
        LOG.info("Requeueing the {} deliveries the client dropped before its handler was set", firstTag - 1);
        try {
          client.basicNack(firstTag - 1, true, true).onFailure(e -> link.check());
        } catch (RuntimeException e) {
          link.check();
        }
      }
    }
    lastDelivery = System.currentTimeMillis();
    inFlight++;
    processInFlight.incrementAndGet();
    sink.handle(d);
  }

  /**
   * Call now and then (on the event loop): when nothing is in flight, nothing was delivered for
   * {@code quietMs} and the queue holds messages, the consumer is starved (deliveries the client
   * dropped hold the prefetch window): reconnect, so that the broker redelivers them.
   */
  public void checkStarved(long quietMs) {
    if (stopped || inFlight > 0 || client == null || consumers.isEmpty()
        || System.currentTimeMillis() - lastDelivery < quietMs) {
      return;
    }
    long gen = generation;
    RabbitMQClient c = client;
    lastDelivery = System.currentTimeMillis();
    c.messageCount(queues.get(0)).onSuccess(n -> {
      if (n > 0 && inFlight == 0 && generation == gen) {
        LOG.warn("No delivery from {} in {} ms while it holds {} messages: reconnecting", queues.get(0), quietMs, n);
        link.reconnect();
      }
    });
  }

  /** The connection is gone: its consumers with it (the broker requeues what was not acked). */
  public void connectionLost() {
    client = null;
    generation = -1;
    consumers.clear();
  }

  /** Acks ({@code ok}) or requeues a delivery, if its connection is still the current one. */
  public void done(Delivery d, boolean ok) {
    inFlight--;
    processInFlight.decrementAndGet();
    if (client != null && generation == d.generation()) {
      long tag = d.message().envelope().getDeliveryTag();
      try {
        Future<Void> f = ok ? client.basicAck(tag, false) : client.basicNack(tag, false, true);
        f.onFailure(e -> link.check());
      } catch (RuntimeException e) {
        // the client throws (AlreadyClosedException) when its connection died under it
        link.check();
      }
    }
  }

  @Override
  public String toString() {
    return queues + "[inFlight=" + inFlight + ", generation=" + generation + ", firstTag=" + firstTag
        + ", consumers=" + consumers.size() + "]";
  }

  /** Deliveries taken and not done. */
  public int inFlight() {
    return inFlight;
  }

  /** Cancels the consumers: no new deliveries (those in flight can still be acked). */
  public Future<Void> stopConsuming() {
    stopped = true;
    List<Future<Void>> cancels = new ArrayList<>();
    for (RabbitMQConsumer c : consumers) {
      cancels.add(c.cancel().recover(e -> Future.succeededFuture()));
    }
    consumers.clear();
    return Future.all(cancels).mapEmpty();
  }
}
