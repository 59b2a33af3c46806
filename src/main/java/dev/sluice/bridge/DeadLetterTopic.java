package dev.sluice.bridge;

import dev.sluice.config.KafkaConfig;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.KafkaDeadLetters;
import dev.sluice.rabbit.AmqpEncoding;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka → RabbitMQ route's dead-letter topic: a record RabbitMQ cannot take for good (the client
 * cannot encode it, or its body is over the broker's {@code max_message_size}) is written there
 * (key and value unchanged, its headers plus the {@code sluice-dlq-*} ones) and is done only once Kafka
 * acknowledged its dead letter. A failed write is retried with the route's back-off while the record's
 * key waits; a dead letter Kafka refuses for good itself (e.g. larger than the dead-letter topic
 * takes) has nowhere to go and is parked (see {@link Retry}). The producer is made at the first dead
 * letter. Confined to the route's event loop.
 */
final class DeadLetterTopic {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTopic.class);
  private static final long BUFFER_MEMORY = 32L * 1024 * 1024;

  private final Vertx vertx;
  private final KafkaConfig kafka;
  private final String route;
  private final String topic;
  private final BridgeMetrics metrics;
  private final Retry retry;
  private Future<KafkaDeadLetters> writer;

  DeadLetterTopic(Vertx vertx, KafkaConfig kafka, String route, String topic, BridgeMetrics metrics,
      BooleanSupplier giveUp) {
    this.vertx = vertx;
    this.kafka = kafka;
    this.route = route;
    this.topic = topic;
    this.metrics = metrics;
    this.retry = new Retry(vertx, route, "write dead letters to Kafka topic '" + topic + "'", giveUp,
        metrics.retries, RabbitToKafkaVerticle::refusedForGood, metrics.refused);
  }

  /**
   * Writes the dead letter of {@code r}, which RabbitMQ cannot take because of {@code refusal};
   * completes once Kafka acknowledged it (fails only when the route gives up, stopping).
   */
  Future<Void> write(ConsumerRecord<byte[], byte[]> r, AmqpEncoding.Unencodable refusal, Object source) {
    String problem = refusal.getMessage();
    Instant now = Instant.now();
    String eventId = header(r, HeaderMapping.EVENT_ID);
    DeadLetter letter = new DeadLetter(route,
        eventId != null ? eventId : "kafka:" + r.topic() + "/" + r.partition() + "@" + r.offset(),
        header(r, HeaderMapping.EVENT_TYPE),
        DeadLetter.Origin.kafka(r.topic(), r.partition(), r.offset(), r.timestamp()),
        1, now, now, refusal.byBroker() ? DeadLetter.CLASS_REFUSED : DeadLetter.CLASS_UNENCODABLE, null, problem,
        header(r, "traceparent"));
    String what = "dead letter of record " + r.topic() + "/" + r.partition() + "@" + r.offset();
    return retry.until(() -> writer().compose(w -> w.send(topic, r.key(), r.value(), r.headers(), letter)),
            () -> what, source)
        .onSuccess(v -> {
          metrics.deadLettered.increment();
          LOG.warn("Route {}: record {}/{}@{} cannot be published to RabbitMQ: {}; written to dead-letter topic "
              + "'{}', its offset committed", route, r.topic(), r.partition(), r.offset(), problem, topic);
        });
  }

  /** Fails the parked writes at once, and every later one (the route is stopping). */
  void stopParking() {
    retry.stopParking();
  }

  /** Closes the producer, if one was made. */
  Future<Void> close() {
    Future<KafkaDeadLetters> w = writer;
    writer = null;
    return w == null ? Future.succeededFuture() : w.compose(KafkaDeadLetters::close).recover(e -> Future.succeededFuture());
  }

  /** The producer; made at the first use, again after making it failed (e.g. a name that does not resolve). */
  private Future<KafkaDeadLetters> writer() {
    if (writer == null || writer.failed()) {
      writer = vertx.executeBlocking(() -> new KafkaDeadLetters(vertx,
          kafka.producerProperties(BUFFER_MEMORY, "bridge-" + route + "-dlq")));
    }
    return writer;
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
