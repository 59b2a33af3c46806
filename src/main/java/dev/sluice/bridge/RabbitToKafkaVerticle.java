package dev.sluice.bridge;

import com.rabbitmq.client.BasicProperties;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.BridgeConfig;
import dev.sluice.config.KafkaConfig;
import dev.sluice.config.RabbitConfig;
import dev.sluice.pool.KeyedScheduler;
import dev.sluice.pool.RabbitSource;
import dev.sluice.rabbit.AmqpEncoding;
import dev.sluice.rabbit.RabbitLink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RabbitMQ → Kafka route: consumes the queues with manual acks and the prefetch {@code
 * bridge.max-in-flight-per-source}; each delivery (one per key at a time) is sent to the topic by an
 * idempotent {@code acks=all} producer and acked only once Kafka acknowledged it. Failed sends are
 * retried; a delivery not acked when its connection is lost is redelivered by the broker. A message
 * Kafka refuses for good ({@link #refusedForGood}) goes to the route's dead-letter exchange ({@link
 * DeadLetterExchange}) and is acked once RabbitMQ confirmed its dead letter; only a dead letter that
 * cannot be encoded at all is parked ({@link Retry}).
 */
public final class RabbitToKafkaVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RabbitToKafkaVerticle.class);

  private final BridgeConfig.RabbitToKafka route;
  private final BridgeConfig bridge;
  private final KafkaConfig kafka;
  private final RabbitConfig rabbit;
  private final GatewayState state;
  private final AtomicInteger processInFlight;
  private final MeterRegistry registry;
  private final long drainTimeoutMs;
  private BridgeMetrics metrics;
  private final List<RabbitLink> links = new ArrayList<>();
  private final List<RabbitSource> sources = new ArrayList<>();
  private long starvationTimer = -1;
  private KeyedScheduler<Taken> scheduler;
  private Retry retry;
  private Retry deadLetterRetry;
  private DeadLetterExchange deadLetters;
  private KafkaProducer<byte[], byte[]> producer;
  private ExecutorService sender;
  private volatile boolean aborting;

  public RabbitToKafkaVerticle(
      BridgeConfig.RabbitToKafka route,
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
  }

  @Override
  public Future<?> start() {
    metrics = new BridgeMetrics(registry, route.name(), "rabbitmq-to-kafka");
    retry = new Retry(vertx, route.name(), "send to Kafka topic '" + route.topic() + "'", () -> aborting,
        metrics.retries, failure -> false, metrics.refused); // refused for good: see bridge()
    deadLetters = new DeadLetterExchange(vertx, rabbit, route.name(), route.deadLetter(), state, metrics.reconnects,
        bridge.maxInFlight());
    // a dead letter the client cannot encode (its headers past frame-max) has nowhere to go: parked
    deadLetterRetry = new Retry(vertx, route.name(), "publish dead letters to RabbitMQ exchange '"
        + route.deadLetter() + "'", () -> aborting, metrics.retries,
        failure -> failure instanceof AmqpEncoding.Unencodable, metrics.refused);
    sender = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sluice-bridge-sender-" + route.name());
      t.setDaemon(true);
      return t;
    });
    scheduler = new KeyedScheduler<>(bridge.maxConcurrentKeys(), this::bridge, (d, ok) -> d.source().done(d.delivery(), ok));
    // one connection per queue: a channel with one consumer (see RabbitSource)
    for (String queue : route.queues()) {
      RabbitSource source = new RabbitSource(List.of(queue), bridge.maxInFlightPerSource(), processInFlight, null);
      RabbitLink link = new RabbitLink(vertx, rabbit, route.name() + "/" + queue, state, metrics.reconnects,
          source::setup, () -> {
            source.connectionLost();
            deadLetterRetry.releaseParked(source); // the broker gives their messages to the next connection
          });
      source.link(link);
      source.sink(d -> scheduler.submit(keyOf(d), new Taken(source, d)));
      sources.add(source);
      links.add(link);
    }
    metrics.gauge("sluice.bridge.inflight", "Deliveries taken and not yet acknowledged by Kafka",
        () -> sources.stream().mapToInt(RabbitSource::inFlight).sum());
    Map<String, Object> props = kafka.producerProperties(64L * 1024 * 1024, "bridge-" + route.name());
    return vertx
        .executeBlocking(() -> new KafkaProducer<byte[], byte[]>(props))
        .onSuccess(p -> {
          producer = p;
          deadLetters.start();
          links.forEach(RabbitLink::start); // connect in the background; readiness follows them
          starvationTimer = vertx.setPeriodic(1000, id -> sources.forEach(src -> src.checkStarved(2000)));
        });
  }

  /** Cancels the consumers, lets what was taken reach Kafka and be acked, disconnects, closes. */
  @Override
  public Future<?> stop() {
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + drainTimeoutMs;
    if (starvationTimer >= 0) {
      vertx.cancelTimer(starvationTimer);
    }
    Future.all(sources.stream().map(RabbitSource::stopConsuming).toList()).onComplete(x -> {
      deadLetterRetry.stopParking(); // no dead-letter path: back to their queues (not redelivered to us) at once
      vertx.setPeriodic(20, id -> {
        if (sources.stream().allMatch(src -> src.inFlight() == 0) || System.currentTimeMillis() >= deadline) {
          vertx.cancelTimer(id);
          aborting = true;
          drained.tryComplete();
        }
      });
    });
    return drained.future()
        .compose(v -> Future.all(links.stream().map(RabbitLink::stop).toList()))
        .compose(v -> deadLetters.stop())
        .compose(v -> vertx.executeBlocking(() -> {
          sender.shutdown();
          sender.awaitTermination(5, TimeUnit.SECONDS);
          producer.close(java.time.Duration.ofSeconds(5));
          return null;
        }));
  }

  private Object keyOf(RabbitSource.Delivery d) {
    return keyText(d);
  }

  private String keyText(RabbitSource.Delivery d) {
    BasicProperties p = d.message().properties();
    String spec = route.key();
    if (spec.startsWith("header:")) {
      Object v = p.getHeaders() == null ? null : p.getHeaders().get(spec.substring("header:".length()));
      return v == null ? null : HeaderMapping.text(v);
    }
    return switch (spec.substring("property:".length())) {
      case "message-id" -> p.getMessageId();
      case "correlation-id" -> p.getCorrelationId();
      case "type" -> p.getType();
      default -> d.message().envelope().getRoutingKey();
    };
  }

  /** A delivery and the source (queue) it came from. */
  private record Taken(RabbitSource source, RabbitSource.Delivery delivery) {}

  private Future<Void> bridge(Taken taken) {
    RabbitSource.Delivery d = taken.delivery();
    BasicProperties props = d.message().properties();
    int hops = HeaderMapping.hops(props);
    if (hops >= bridge.maxHops()) {
      metrics.skipped.increment();
      return Future.succeededFuture();
    }
    String key = keyText(d);
    byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    byte[] value = d.message().body().getBytes();
    Long timestamp = HeaderMapping.timestamp(props);
    var headers = HeaderMapping.toKafka(props, hops + 1);
    Supplier<String> what = () -> "message " + (props.getMessageId() == null ? "(no message-id)" : props.getMessageId())
        + " of queue " + d.queue();
    Throwable[] refused = {null};
    return retry.until(() -> send(new ProducerRecord<>(route.topic(), null, timestamp, keyBytes, value, headers))
                .recover(err -> {
                  if (!refusedForGood(err)) {
                    return Future.failedFuture(err);
                  }
                  refused[0] = err; // retrying would only fail again, with the other records of its batch
                  return Future.succeededFuture();
                }), what, taken.source())
        .compose(v -> {
          if (refused[0] == null) {
            metrics.bridged.increment();
            return Future.succeededFuture();
          }
          return deadLetterRetry.until(() -> deadLetters.publish(d, refused[0]), () -> "dead letter of " + what.get(),
                  taken.source())
              .onSuccess(x -> {
                metrics.deadLettered.increment();
                LOG.warn("Route {}: {} refused for good by Kafka ({}); published to dead-letter exchange '{}' "
                    + "and acked", route.name(), what.get(), refused[0].toString(), deadLetters.exchange());
              });
        });
  }

  /**
   * Kafka refuses the record itself, and would again: a timestamp out of the broker's bounds, a record
   * over its size limit, an invalid record. Not the other records of the same batch, which fail with a
   * plain KafkaException and are retried.
   */
  static boolean refusedForGood(Throwable failure) {
    return failure instanceof org.apache.kafka.common.errors.InvalidTimestampException
        || failure instanceof org.apache.kafka.common.errors.RecordTooLargeException
        || failure instanceof org.apache.kafka.common.InvalidRecordException;
  }

  private Future<Void> send(ProducerRecord<byte[], byte[]> record) {
    Promise<Void> acked = Promise.promise();
    sender.execute(() -> {
      try {
        producer.send(record, (md, err) -> context.runOnContext(v -> {
          if (err == null) {
            acked.complete();
          } else {
            acked.fail(err);
          }
        }));
      } catch (RuntimeException e) {
        context.runOnContext(v -> acked.fail(e));
      }
    });
    return acked.future();
  }
}
