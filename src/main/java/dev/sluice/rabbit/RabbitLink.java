package dev.sluice.rabbit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.NoOpMetricsCollector;
import com.rabbitmq.client.ShutdownSignalException;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.RabbitConfig;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQOptions;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RabbitMQ connection (one channel) owned by one verticle, used on its event loop. Each
 * connection is a fresh {@link RabbitMQClient} with the client's own reconnect off: a watchdog notices a
 * closed connection or channel, drops the client, and connects again with back-off (doubling up to
 * {@code rabbitmq.reconnect-max-ms}). {@code setup} runs on every new connection (QoS, confirm
 * mode, consumers); {@link #generation()} changes with it, so that delivery tags and confirms of an
 * old connection are never mixed with a new one. The link's state is published to {@link
 * GatewayState} for readiness.
 *
 * <p>The link also follows RabbitMQ's {@code connection.blocked}/{@code unblocked} notices (sent when
 * a memory or disk alarm stops the broker reading from publishers): {@link #blocked()}; and it logs
 * why the broker closed a channel or the connection (a missing exchange or queue, a forced close).
 * The Vert.x client passes neither on, so they are taken from the AMQP client's hook on each new
 * connection and channel.
 */
public final class RabbitLink {

  private static final Logger LOG = LoggerFactory.getLogger(RabbitLink.class);
  private static final long WATCH_MS = 200;
  /** A connection up this long resets the reconnect back-off. */
  private static final long STABLE_MS = 10_000;
  /** RabbitMQ's words (3.x, 4.x) when a message is over its {@code max_message_size}. */
  private static final java.util.regex.Pattern MESSAGE_SIZE =
      java.util.regex.Pattern.compile("message size \\d+ is larger than (?:configured )?max size (\\d+)");

  private final Vertx vertx;
  private final RabbitConfig config;
  private final String name;
  private final GatewayState state;
  private final Counter reconnects;
  private final BiFunction<RabbitMQClient, Long, Future<Void>> setup;
  private final Runnable onDown;
  private final Context context;
  private RabbitMQClient client;
  private long generation;
  private boolean up;
  private boolean closed;
  private boolean connecting;
  private long backoff;
  private long connectedAtMs;
  private long watchdog = -1;
  private boolean blocked;
  private long blockedAtMs;
  private long unblockedAtMs;
  private volatile int frameMax;
  private volatile long maxMessageSize;
  private final Promise<Void> firstUp = Promise.promise();

  /**
   * @param setup runs on each new connection with the client and its generation
   * @param onDown runs when a connection is lost (before reconnecting)
   */
  public RabbitLink(
      Vertx vertx,
      RabbitConfig config,
      String name,
      GatewayState state,
      Counter reconnects,
      BiFunction<RabbitMQClient, Long, Future<Void>> setup,
      Runnable onDown) {
    this.vertx = vertx;
    this.config = config;
    this.name = name;
    this.state = state;
    this.reconnects = reconnects;
    this.setup = setup;
    this.onDown = onDown;
    this.backoff = config.reconnectInitialMs();
    this.context = vertx.getOrCreateContext();
  }

  /** Starts connecting (in the background, with retries); completes when first connected. */
  public Future<Void> start() {
    state.rabbitLink(name, false);
    connect();
    watchdog = vertx.setPeriodic(WATCH_MS, id -> watch());
    return firstUp.future();
  }

  public boolean up() {
    return up;
  }

  /** The client of the current connection; only valid while {@link #up()}. */
  public RabbitMQClient client() {
    return client;
  }

  /** Changes with every new connection. */
  public long generation() {
    return generation;
  }

  /** Whether RabbitMQ blocks this connection's publishes now (a resource alarm). */
  public boolean blocked() {
    return blocked;
  }

  /** When RabbitMQ last unblocked this link's publishes (epoch ms; 0 = never blocked). */
  public long unblockedAtMs() {
    return unblockedAtMs;
  }

  /** The largest frame of the newest connection, as negotiated with the broker (0 = not known yet). */
  public int frameMax() {
    return frameMax;
  }

  /**
   * RabbitMQ's {@code max_message_size} (bytes of a message body), as the broker named it when it closed
   * a channel of this link for a larger message; 0 = not known. Kept across connections: a publisher
   * refuses larger bodies from then on instead of losing its channel again and again.
   */
  public long maxMessageSize() {
    return maxMessageSize;
  }

  /** The limit in RabbitMQ's reason for closing a channel over a message's size, or -1. */
  static long maxMessageSize(int replyCode, String replyText) {
    if (replyCode != 406 || replyText == null) {
      return -1;
    }
    java.util.regex.Matcher m = MESSAGE_SIZE.matcher(replyText);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Closes the connection and stops reconnecting. */
  public Future<Void> stop() {
    closed = true;
    up = false;
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
    }
    state.removeRabbitLink(name);
    RabbitMQClient c = client;
    client = null;
    return c == null ? Future.succeededFuture() : c.stop().recover(e -> Future.succeededFuture());
  }

  private void connect() {
    if (closed || connecting) {
      return;
    }
    connecting = true;
    RabbitMQOptions options = ConnectionOptions.of(config, "sluice-" + name);
    long gen = generation + 1;
    options.setMetricsCollector(new ConnectionWatch(gen));
    RabbitMQClient c = RabbitMQClient.create(vertx, options);
    // setup after start, not in the client's connection-established callback: start() does not wait
    // for that callback's outcome, and a link must not be up with its setup failed
    c.start()
        .compose(v -> setup.apply(c, gen))
        .onComplete(
            ar -> {
              connecting = false;
              if (closed) {
                c.stop();
                return;
              }
              if (ar.succeeded()) {
                client = c;
                generation = gen;
                up = true;
                connectedAtMs = System.currentTimeMillis();
                state.rabbitLink(name, true);
                LOG.info("RabbitMQ link {} connected to {} (connection {})", name, config.redactedUri(), gen);
                firstUp.tryComplete();
              } else {
                LOG.warn("RabbitMQ link {}: cannot connect to {} or set the connection up: {}; retrying in {} ms",
                    name, config.redactedUri(), ar.cause().getMessage(), backoff);
                c.stop().onComplete(x -> retryLater());
              }
            });
  }

  private void retryLater() {
    long delay = backoff;
    backoff = Math.min(config.reconnectMaxMs(), backoff * 2);
    vertx.setTimer(delay, id -> connect());
  }

  private void watch() {
    if (closed || !up) {
      return;
    }
    RabbitMQClient c = client;
    if (c.isConnected() && c.isOpenChannel()) {
      return;
    }
    drop(c);
  }

  /** Drops the current connection and connects again (what it had unacked is redelivered). */
  public void reconnect() {
    if (!closed && up) {
      drop(client);
    }
  }

  private void drop(RabbitMQClient c) {
    up = false;
    if (blocked) {
      blocked = false;
      unblockedAtMs = System.currentTimeMillis();
    }
    client = null;
    if (System.currentTimeMillis() - connectedAtMs >= STABLE_MS) {
      backoff = config.reconnectInitialMs(); // else keep backing off: a connection lost at once again and
      // again (a missing exchange closes the channel on the first publish) must not reconnect in a loop
    }
    state.rabbitLink(name, false);
    reconnects.increment();
    LOG.warn("RabbitMQ link {} lost its connection; reconnecting", name);
    onDown.run();
    c.stop().onComplete(ar -> retryLater());
  }

  /** Called when an operation failed in a way that suggests the connection is gone. */
  public void check() {
    watch();
  }

  private void blockedNotice(long gen, String reason) {
    if (gen != generation || !up || blocked) {
      return;
    }
    blocked = true;
    blockedAtMs = System.currentTimeMillis();
    LOG.warn("RabbitMQ blocks the publishes of link {} ({}); they wait, and the time does not count "
        + "towards confirm timeouts", name, reason);
  }

  private void unblockedNotice(long gen) {
    if (gen != generation || !blocked) {
      return;
    }
    blocked = false;
    unblockedAtMs = System.currentTimeMillis();
    LOG.info("RabbitMQ unblocked the publishes of link {} after {} ms", name, unblockedAtMs - blockedAtMs);
  }

  /**
   * The broker closed this link's channel or connection. A closed channel means a new connection: the
   * Vert.x client would otherwise open a replacement channel on the next operation, without the
   * consumers and confirm listener of the old one.
   */
  private void closedByBroker(long gen, String what, ShutdownSignalException cause) {
    if (cause.isInitiatedByApplication() || closed) {
      return;
    }
    Object reason = cause.getReason();
    String text = reason instanceof com.rabbitmq.client.AMQP.Channel.Close c ? c.getReplyCode() + " " + c.getReplyText()
        : reason instanceof com.rabbitmq.client.AMQP.Connection.Close c ? c.getReplyCode() + " " + c.getReplyText()
        : String.valueOf(cause.getMessage());
    LOG.warn("RabbitMQ closed the {} of link {}: {}", what, name, text);
    if (reason instanceof com.rabbitmq.client.AMQP.Channel.Close c) {
      long max = maxMessageSize(c.getReplyCode(), c.getReplyText());
      if (max > 0 && (maxMessageSize == 0 || max < maxMessageSize)) {
        maxMessageSize = max;
        LOG.warn("RabbitMQ's max_message_size is {} bytes: link {} refuses larger messages for good from now on",
            max, name);
      }
    }
    if (gen == generation && up) {
      drop(client);
    }
  }

  /**
   * The AMQP client's hook on each new connection and channel: the broker's blocked notices, and why
   * it closed a channel or the connection.
   */
  private final class ConnectionWatch extends NoOpMetricsCollector {
    private final long gen;

    ConnectionWatch(long gen) {
      this.gen = gen;
    }

    @Override
    public void newConnection(Connection connection) {
      frameMax = connection.getFrameMax();
      connection.addBlockedListener(
          reason -> context.runOnContext(v -> blockedNotice(gen, reason)),
          () -> context.runOnContext(v -> unblockedNotice(gen)));
      connection.addShutdownListener(cause -> context.runOnContext(v -> closedByBroker(gen, "connection", cause)));
    }

    @Override
    public void newChannel(Channel channel) {
      channel.addShutdownListener(cause -> {
        if (!cause.isHardError()) { // a connection's close also closes its channels: logged once, above
          context.runOnContext(v -> closedByBroker(gen, "channel", cause));
        }
      });
    }
  }
}
