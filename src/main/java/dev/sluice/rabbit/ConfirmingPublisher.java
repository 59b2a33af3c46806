package dev.sluice.rabbit;

import com.rabbitmq.client.BasicProperties;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQConfirmation;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Publishes on a {@link RabbitLink} in confirm mode: each publish completes when the broker confirmed
 * it (fails on a nack or when the connection is lost first). Install {@link #setup} as (part of) the
 * link's setup and {@link #connectionLost} as its down handler.
 */
public final class ConfirmingPublisher {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfirmingPublisher.class);

  private final io.vertx.core.Vertx vertx;
  private final int maxUnconfirmed;
  private final long confirmTimeoutMs;
  private RabbitLink link;
  private long generation = -1;
  private ConcurrentNavigableMap<Long, Promise<Void>> pending = new ConcurrentSkipListMap<>();

  /**
   * @param confirmTimeoutMs a publish not confirmed within this time fails (and is retried by the
   *     caller): a lost confirm must not hold a record, and its partition's commits, forever
   */
  public ConfirmingPublisher(io.vertx.core.Vertx vertx, int maxUnconfirmed, long confirmTimeoutMs) {
    this.vertx = vertx;
    this.maxUnconfirmed = maxUnconfirmed;
    this.confirmTimeoutMs = confirmTimeoutMs;
  }

  public void link(RabbitLink link) {
    this.link = link;
  }

  /** On a new connection: confirm mode and a confirm listener for it. */
  public Future<Void> setup(RabbitMQClient client, long gen) {
    ConcurrentNavigableMap<Long, Promise<Void>> mine = new ConcurrentSkipListMap<>();
    return client
        .confirmSelect()
        .compose(v -> client.addConfirmListener(Math.max(1024, maxUnconfirmed * 2)))
        .map(
            stream -> {
              stream.handler(c -> confirm(mine, c));
              pending = mine;
              generation = gen;
              return null;
            });
  }

  /** Fails every publish not confirmed yet: the connection that carried them is gone. */
  public void connectionLost() {
    ConcurrentNavigableMap<Long, Promise<Void>> lost = pending;
    pending = new ConcurrentSkipListMap<>();
    generation = -1;
    lost.values().forEach(p -> p.tryFail("RabbitMQ connection lost before the confirm"));
    lost.clear();
  }

  /** Publishes not confirmed yet. */
  public int unconfirmed() {
    return pending.size();
  }

  /** Publishes persistently-as-given {@code properties}; completes on the broker's confirm. */
  public Future<Void> publish(String exchange, String routingKey, BasicProperties properties, Buffer body) {
    if (link == null || !link.up() || link.generation() != generation) {
      return Future.failedFuture("RabbitMQ link not connected");
    }
    RabbitMQClient client = link.client();
    ConcurrentNavigableMap<Long, Promise<Void>> mine = pending;
    Promise<Void> confirmed = Promise.promise();
    long[] tag = {-1};
    client
        .basicPublishWithDeliveryTag(
            exchange,
            routingKey,
            properties,
            body,
            t -> {
              tag[0] = t;
              mine.put(t, confirmed);
            })
        .onFailure(
            err -> {
              if (tag[0] >= 0) {
                mine.remove(tag[0]);
              }
              confirmed.tryFail(err);
              link.check();
            });
    long timer = vertx.setTimer(confirmTimeoutMs, id -> {
      if (confirmed.tryFail("no confirm from RabbitMQ within " + confirmTimeoutMs + " ms")) {
        LOG.warn("No confirm from RabbitMQ within {} ms (tag {}); publishing again", confirmTimeoutMs, tag[0]);
        if (tag[0] >= 0) {
          mine.remove(tag[0]);
        }
        link.check();
      }
    });
    return confirmed.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private static void confirm(ConcurrentNavigableMap<Long, Promise<Void>> mine, RabbitMQConfirmation c) {
    Map<Long, Promise<Void>> settled =
        c.isMultiple() ? mine.headMap(c.getDeliveryTag(), true) : singleton(mine, c.getDeliveryTag());
    for (var it = settled.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (c.isSucceeded()) {
        e.getValue().tryComplete();
      } else {
        e.getValue().tryFail("RabbitMQ refused (nack) the message");
      }
      mine.remove(e.getKey());
    }
  }

  private static Map<Long, Promise<Void>> singleton(
      ConcurrentNavigableMap<Long, Promise<Void>> mine, long tag) {
    Promise<Void> p = mine.get(tag);
    return p == null ? Map.of() : Map.of(tag, p);
  }
}
