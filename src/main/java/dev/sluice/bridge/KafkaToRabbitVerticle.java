package dev.sluice.bridge;

import com.rabbitmq.client.AMQP;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.BridgeConfig;
import dev.sluice.config.KafkaConfig;
import dev.sluice.config.RabbitConfig;
import dev.sluice.pool.KafkaSource;
import dev.sluice.pool.KeyedScheduler;
import dev.sluice.rabbit.AmqpEncoding;
import dev.sluice.rabbit.ConfirmingPublisher;
import dev.sluice.rabbit.RabbitLink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A Kafka → RabbitMQ route: a consumer-group member of {@code <group-id-prefix>.<route>} reads the
 * topics; each record (one per key at a time) is published persistently to the exchange with the
 * templated routing key; its offset is committed once RabbitMQ confirmed it and every earlier
 * record of its partition. Failed publishes are retried (the record keeps its place), so nothing is
 * lost; a record is bridged again only when it was not committed (duplicates ≤ the in-flight bound).
 * A record that cannot be encoded as an AMQP message is refused for good: it goes to the route's
 * dead-letter topic ({@link DeadLetterTopic}) and is done once Kafka acknowledged its dead letter.
 */
public final class KafkaToRabbitVerticle extends VerticleBase {

  private final BridgeConfig.KafkaToRabbit route;
  private final BridgeConfig bridge;
  private final KafkaConfig kafka;
  private final RabbitConfig rabbit;
  private final GatewayState state;
  private final AtomicInteger processInFlight;
  private final MeterRegistry registry;
  private final long drainTimeoutMs;
  private final RoutingKeyTemplate routingKey;
  private BridgeMetrics metrics;
  private ConfirmingPublisher publisher;
  private RabbitLink link;
  private KafkaSource source;
  private KeyedScheduler<KafkaSource.Item> scheduler;
  private Retry retry;
  private DeadLetterTopic deadLetters;
  private volatile boolean aborting;

  public KafkaToRabbitVerticle(
      BridgeConfig.KafkaToRabbit route,
      BridgeConfig bridge,
      KafkaConfig kafka,
      RabbitConfig rabbit,
      GatewayState state,
      AtomicInteger processInFlight,
      MeterRegistry registry,
      long drainTimeoutMs) {
    this.route = route;
    this.bridge = bridge;
    this.kafka = kafka;
    this.rabbit = rabbit;
    this.state = state;
    this.processInFlight = processInFlight;
    this.registry = registry;
    this.drainTimeoutMs = drainTimeoutMs;
    this.routingKey = new RoutingKeyTemplate(route.routingKey());
  }

  @Override
  public Future<?> start() {
    metrics = new BridgeMetrics(registry, route.name(), "kafka-to-rabbitmq");
    // RabbitMQ refuses nothing for good that a later attempt could not take: every failure is retried
    // (a record the client cannot encode never reaches RabbitMQ: see bridge())
    retry = new Retry(vertx, route.name(), "publish to RabbitMQ exchange '" + route.exchange() + "'",
        () -> aborting, metrics.retries, failure -> false, metrics.refused);
    deadLetters = new DeadLetterTopic(vertx, kafka, route.name(), route.deadLetter(), metrics, () -> aborting);
    publisher = new ConfirmingPublisher(vertx, bridge.maxInFlight(), rabbit.confirmTimeoutMs());
    link = new RabbitLink(vertx, rabbit, route.name(), state, metrics.reconnects, publisher::setup,
        publisher::connectionLost);
    publisher.link(link);
    scheduler = new KeyedScheduler<>(bridge.maxConcurrentKeys(), this::bridge, (item, ok) -> {
      if (ok) {
        source.done(item);
      } else {
        source.abandon(item);
      }
    });
    source = new KafkaSource(route.name(), kafka.consumerProperties(bridge, route.name()), route.topics(),
        bridge.maxInFlightPerSource(), processInFlight, bridge.maxInFlight(), context, this::accept, registry, state);
    metrics.gauge("sluice.bridge.inflight", "Records taken and not yet confirmed", source::inFlight);
    metrics.gauge("sluice.bridge.paused.partitions", "Partitions paused by backpressure", source::pausedPartitions);
    metrics.gauge("sluice.bridge.unconfirmed", "Publishes waiting for RabbitMQ's confirm", publisher::unconfirmed);
    metrics.gauge("sluice.bridge.rabbitmq.blocked", "1 while RabbitMQ blocks the route's publishes (resource alarm)",
        () -> link.blocked() ? 1 : 0);
    link.start(); // connects in the background; readiness follows it
    source.start();
    return Future.succeededFuture();
  }

  /** Stops reading, lets what was read be confirmed (up to the drain timeout), commits, disconnects. */
  @Override
  public Future<?> stop() {
    long giveUpTimer = vertx.setTimer(drainTimeoutMs, id -> aborting = true);
    deadLetters.stopParking(); // dead letters Kafka refused: not committed, read again after a restart
    return source
        .stop(drainTimeoutMs)
        .onComplete(ar -> {
          aborting = true;
          vertx.cancelTimer(giveUpTimer);
        })
        .compose(v -> {
          publisher.close();
          return Future.join(link.stop(), deadLetters.close()).mapEmpty();
        });
  }

  private void accept(List<KafkaSource.Item> items) {
    for (KafkaSource.Item item : items) {
      byte[] key = item.record().key();
      scheduler.submit(key == null ? null : new String(key, StandardCharsets.UTF_8), item);
    }
  }

  private Future<Void> bridge(KafkaSource.Item item) {
    ConsumerRecord<byte[], byte[]> r = item.record();
    int hops = HeaderMapping.hops(r.headers());
    if (hops >= bridge.maxHops()) {
      metrics.skipped.increment();
      return Future.succeededFuture();
    }
    AMQP.BasicProperties props = HeaderMapping.toAmqp(r.headers(), r.key(), r.timestamp(), hops + 1);
    String rk = routingKey.render(r.headers());
    Buffer body = Buffer.buffer(r.value() == null ? new byte[0] : r.value());
    AmqpEncoding.Unencodable[] problem = {null};
    return retry.until(() -> publisher.publish(route.exchange(), rk, props, body).recover(err -> {
              if (!(err instanceof AmqpEncoding.Unencodable u)) {
                return Future.failedFuture(err);
              }
              problem[0] = u; // would be refused on every attempt
              return Future.succeededFuture();
            }), () -> "record " + r.topic() + "/" + r.partition() + "@" + r.offset(), source)
        .compose(v -> {
          if (problem[0] != null) {
            return deadLetters.write(r, problem[0], source);
          }
          metrics.bridged.increment();
          return Future.succeededFuture();
        });
  }
}
