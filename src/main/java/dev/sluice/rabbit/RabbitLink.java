package dev.sluice.rabbit;

import dev.sluice.bus.GatewayState;
import dev.sluice.config.RabbitConfig;
import io.micrometer.core.instrument.Counter;
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
 */
public final class RabbitLink {

  private static final Logger LOG = LoggerFactory.getLogger(RabbitLink.class);
  private static final long WATCH_MS = 200;

  private final Vertx vertx;
  private final RabbitConfig config;
  private final String name;
  private final GatewayState state;
  private final Counter reconnects;
  private final BiFunction<RabbitMQClient, Long, Future<Void>> setup;
  private final Runnable onDown;
  private RabbitMQClient client;
  private long generation;
  private boolean up;
  private boolean closed;
  private boolean connecting;
  private long backoff;
  private long watchdog = -1;
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
    RabbitMQOptions options =
        new RabbitMQOptions()
            .setUri(config.uri())
            .setReconnectAttempts(0)
            .setAutomaticRecoveryEnabled(false)
            .setConnectionTimeout(5000)
            .setHandshakeTimeout(5000)
            .setRequestedHeartbeat(config.heartbeatSeconds())
            .setConnectionName("sluice-" + name);
    RabbitMQClient c = RabbitMQClient.create(vertx, options);
    long gen = generation + 1;
    c.addConnectionEstablishedCallback(p -> setup.apply(c, gen).onComplete(p));
    c.start()
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
                backoff = config.reconnectInitialMs();
                state.rabbitLink(name, true);
                LOG.info("RabbitMQ link {} connected to {} (connection {})", name, config.redactedUri(), gen);
                firstUp.tryComplete();
              } else {
                LOG.warn("RabbitMQ link {}: cannot connect to {}: {}; retrying in {} ms",
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
    client = null;
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
}
