package dev.sluice.rabbit;

import com.rabbitmq.client.AMQP;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQConfirmation;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes on a {@link RabbitLink} in confirm mode: each publish completes when the broker confirmed
 * it, and fails on a nack or when its connection is lost first. Install {@link #setup} as (part of)
 * the link's setup and {@link #connectionLost} as its down handler.
 *
 * <p>RabbitMQ confirms every message published on an open channel, so a publish is never given up
 * alone (publishing it again on the same channel would only add a duplicate). A confirm overdue by
 * {@code confirmTimeoutMs} means the connection is no longer trustworthy: the link reconnects, which
 * fails every unconfirmed publish so that the caller publishes it again on the new connection. Time
 * while RabbitMQ blocks the link's publishers (a resource alarm) does not count towards the timeout:
 * a blocked broker is slow, not lost.
 *
 * <p>The client takes a publish's delivery tag before it encodes the message; a publish that fails
 * after that (the client refused to encode it) was never seen by the broker, whose later confirms
 * are then one behind the channel's tags. That also makes the link reconnect, so that no confirm is
 * matched to the wrong publish; {@link AmqpEncoding} refuses what the client cannot encode before it
 * is called, so that this stays a safety net.
 */
public final class ConfirmingPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(ConfirmingPublisher.class);
  private static final long SWEEP_MS = 1000;

  private final Vertx vertx;
  private final int maxUnconfirmed;
  private final long confirmTimeoutMs;
  private RabbitLink link;
  private long generation = -1;
  private long sweeper = -1;
  /** The current connection's publishes; replaced on each connection. */
  private volatile Confirms current = new Confirms();

  /** A publish the broker has not confirmed yet; {@code sentAtMs} when it got its delivery tag. */
  record Unconfirmed(Promise<Void> promise, long sentAtMs) {}

  /**
   * One connection's unconfirmed publishes by delivery tag, and the tags given out: the tags of a
   * channel only grow, so a tag that does not means the client replaced a closed channel.
   */
  static final class Confirms {
    private final ConcurrentNavigableMap<Long, Unconfirmed> pending = new ConcurrentSkipListMap<>();
    private final AtomicLong lastTag = new AtomicLong();
    private volatile boolean replaced;

    ConcurrentNavigableMap<Long, Unconfirmed> pending() {
      return pending;
    }

    /**
     * Takes the delivery tag of a publish about to be written; false once a tag did not grow (this
     * and every later publish of the connection must not be written: the old channel's late confirms
     * would settle them). Called by one worker thread at a time (the client's ordered tasks).
     */
    boolean take(long tag) {
      if (tag <= lastTag.getAndSet(tag)) {
        replaced = true;
      }
      return !replaced;
    }
  }

  /** The Vert.x client opened a new channel in place of a closed one, without our confirm listener. */
  private static final class ChannelReplaced extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ChannelReplaced() {
      super("RabbitMQ channel closed and replaced; reconnecting");
    }
  }

  /**
   * @param maxUnconfirmed publishes expected in flight at most (sizes the confirm stream's queue)
   * @param confirmTimeoutMs see the class comment
   */
  public ConfirmingPublisher(Vertx vertx, int maxUnconfirmed, long confirmTimeoutMs) {
    this.vertx = vertx;
    this.maxUnconfirmed = maxUnconfirmed;
    this.confirmTimeoutMs = confirmTimeoutMs;
  }

  /** Publishes on {@code link} from now on and watches its confirms (call on the link's context). */
  public void link(RabbitLink link) {
    this.link = link;
    if (sweeper < 0) {
      sweeper = vertx.setPeriodic(SWEEP_MS, id -> sweep());
    }
  }

  /** Stops watching confirms. */
  public void close() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
      sweeper = -1;
    }
  }

  /** On a new connection: confirm mode and a confirm listener for it. */
  public Future<Void> setup(RabbitMQClient client, long gen) {
    Confirms mine = new Confirms();
    return client
        .confirmSelect()
        .compose(v -> client.addConfirmListener(Math.max(1024, maxUnconfirmed * 2)))
        .map(
            stream -> {
              stream.handler(c -> confirm(mine.pending(), c));
              current = mine;
              generation = gen;
              return null;
            });
  }

  /** Fails every publish not confirmed yet: the connection that carried them is gone. */
  public void connectionLost() {
    ConcurrentNavigableMap<Long, Unconfirmed> lost = current.pending();
    current = new Confirms();
    generation = -1;
    lost.values().forEach(u -> u.promise().tryFail("RabbitMQ connection lost before the confirm"));
    lost.clear();
  }

  /** Publishes not confirmed yet. */
  public int unconfirmed() {
    return current.pending().size();
  }

  /**
   * Publishes persistently-as-given {@code properties}; completes on the broker's confirm. A publish
   * the client cannot encode, or whose body is over the broker's {@code max_message_size} as the link
   * learnt it ({@link RabbitLink#maxMessageSize()}), fails at once with {@link
   * AmqpEncoding.Unencodable}, before the client is called (publishing it again would change nothing).
   */
  public Future<Void> publish(String exchange, String routingKey, AMQP.BasicProperties properties, Buffer body) {
    if (link == null || !link.up() || link.generation() != generation) {
      return Future.failedFuture("RabbitMQ link not connected");
    }
    String problem = AmqpEncoding.problem(exchange, routingKey, properties, link.frameMax());
    if (problem != null) {
      return Future.failedFuture(new AmqpEncoding.Unencodable(problem));
    }
    long maxMessageSize = link.maxMessageSize();
    if (maxMessageSize > 0 && body.length() > maxMessageSize) {
      // RabbitMQ would close the channel on it, on every connection
      return Future.failedFuture(new AmqpEncoding.Unencodable("the body is " + body.length()
          + " bytes, more than RabbitMQ's max_message_size " + maxMessageSize, true));
    }
    RabbitMQClient client = link.client();
    Confirms mine = current;
    Promise<Void> confirmed = Promise.promise();
    long[] tag = {-1};
    client
        .basicPublishWithDeliveryTag(
            exchange,
            routingKey,
            properties,
            body,
            t -> {
              // On a worker thread, just before the message is written; throwing here fails the
              // publish without writing it (completed below, on the context).
              if (!mine.take(t)) {
                // tags started again: a replacement channel, without our confirm listener
                throw new ChannelReplaced();
              }
              mine.pending().put(t, new Unconfirmed(confirmed, System.currentTimeMillis()));
              if (current != mine) { // the connection was given up meanwhile: nothing would settle it
                mine.pending().remove(t);
                throw new IllegalStateException("RabbitMQ connection lost before the publish");
              }
              tag[0] = t; // from here on the client counts the publish in the channel's tags
            })
        .onFailure(
            err -> {
              if (tag[0] >= 0) {
                mine.pending().remove(tag[0]);
              }
              confirmed.tryFail(err);
              if (err instanceof ChannelReplaced) {
                link.reconnect();
              } else if (tag[0] >= 0 && current == mine) {
                // the client took the tag and then failed (e.g. refused to encode) without writing: the
                // broker's confirms of later publishes are one behind our tags from now on. Never match
                // them: reconnect, which fails every unconfirmed publish so that it is published again.
                LOG.warn("RabbitMQ publish failed after taking delivery tag {} ({}); the channel's confirms "
                    + "can no longer be matched: reconnecting", tag[0], err.toString());
                link.reconnect();
              } else {
                link.check();
              }
            });
    return confirmed.future();
  }

  /**
   * Whether a confirm is overdue: sent at {@code sentAtMs}, not confirmed {@code timeoutMs} later,
   * counting only from when the broker last unblocked publishers, and never while it blocks them.
   */
  static boolean overdue(long sentAtMs, long nowMs, long timeoutMs, boolean blocked, long unblockedAtMs) {
    return !blocked && nowMs - Math.max(sentAtMs, unblockedAtMs) >= timeoutMs;
  }

  private void sweep() {
    if (link == null || !link.up() || link.generation() != generation) {
      return;
    }
    long now = System.currentTimeMillis();
    // tags grow with time: the oldest publish is first
    ConcurrentNavigableMap<Long, Unconfirmed> pending = current.pending();
    Iterator<Map.Entry<Long, Unconfirmed>> it = pending.entrySet().iterator();
    if (!it.hasNext()) {
      return;
    }
    Map.Entry<Long, Unconfirmed> oldest = it.next();
    if (overdue(oldest.getValue().sentAtMs(), now, confirmTimeoutMs, link.blocked(), link.unblockedAtMs())) {
      LOG.warn("RabbitMQ has not confirmed publish {} in {} ms ({} unconfirmed); reconnecting to publish "
          + "them again", oldest.getKey(), now - oldest.getValue().sentAtMs(), pending.size());
      link.reconnect();
    }
  }

  private static void confirm(ConcurrentNavigableMap<Long, Unconfirmed> mine, RabbitMQConfirmation c) {
    Map<Long, Unconfirmed> settled =
        c.isMultiple() ? mine.headMap(c.getDeliveryTag(), true) : singleton(mine, c.getDeliveryTag());
    for (var it = settled.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (c.isSucceeded()) {
        e.getValue().promise().tryComplete();
      } else {
        e.getValue().promise().tryFail("RabbitMQ refused (nack) the message");
      }
      mine.remove(e.getKey());
    }
  }

  private static Map<Long, Unconfirmed> singleton(ConcurrentNavigableMap<Long, Unconfirmed> mine, long tag) {
    Unconfirmed u = mine.get(tag);
    return u == null ? Map.of() : Map.of(tag, u);
  }
}
