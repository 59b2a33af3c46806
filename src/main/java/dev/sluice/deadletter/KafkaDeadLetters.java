package dev.sluice.deadletter;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Writes dead letters to Kafka topics: the message's key and value unchanged, its headers with the
 * dead-letter ones replaced ({@link DeadLetterHeaders#kafka}). A send completes once Kafka acknowledged
 * it (the producer's {@code acks}); {@code send} itself may wait for metadata, so it runs on a worker.
 * Completions come back on the caller's context.
 */
public final class KafkaDeadLetters {

  private final Vertx vertx;
  private final KafkaProducer<byte[], byte[]> producer;

  /** @param props producer properties (byte-array serializers) */
  public KafkaDeadLetters(Vertx vertx, Map<String, Object> props) {
    this.vertx = vertx;
    this.producer = new KafkaProducer<>(props);
  }

  /** Sends the dead letter of a message ({@code key}, {@code value}, its {@code headers}) to {@code topic}. */
  public Future<Void> send(String topic, byte[] key, byte[] value, Iterable<Header> headers, DeadLetter d) {
    Context ctx = vertx.getOrCreateContext();
    Promise<Void> done = Promise.promise();
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, null, key, value, DeadLetterHeaders.kafka(headers, d));
    vertx.executeBlocking(() -> producer.send(record, (md, err) -> ctx.runOnContext(v -> {
      if (err == null) {
        done.tryComplete();
      } else {
        done.tryFail(err);
      }
    })), false).onFailure(err -> ctx.runOnContext(v -> done.tryFail(err)));
    return done.future();
  }

  /** Closes the producer (waits up to 5 s for what was sent). */
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      producer.close(java.time.Duration.ofSeconds(5));
      return null;
    });
  }

  /** The headers of a message as a list (for callers holding Kafka {@code Headers}). */
  public static Iterable<Header> headers(org.apache.kafka.common.header.Headers h) {
    return h == null ? java.util.List.of() : h;
  }
}
