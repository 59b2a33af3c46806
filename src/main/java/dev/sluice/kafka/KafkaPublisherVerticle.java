package dev.sluice.kafka;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.Outcome;
import dev.sluice.config.KafkaConfig;
import dev.sluice.config.RoutingConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.kafka.client.producer.KafkaWriteStream;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the process's one Kafka producer ({@code acks=all}, idempotent) and publishes batches from the
 * {@link Addresses#KAFKA_PUBLISH} address, answering with each record's partition and offset once Kafka
 * acknowledged it.
 *
 * <p>{@code KafkaWriteStream.send} hands every record to a worker thread on its own; at telemetry rates
 * that costs more than the send. Here a batch crosses to one dedicated sender thread once (where {@code
 * send} may block on metadata without blocking an event loop) and the producer's callbacks count down
 * the batch; the reply goes back through this verticle's context. The in-flight budget upstream bounds
 * what can wait on that thread.
 */
public final class KafkaPublisherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisherVerticle.class);

  private final KafkaConfig config;
  private final GatewayState state;
  private final long maxInFlightBytes;
  private final MeterRegistry registry;
  private final RecordForms forms;

  private KafkaWriteStream<byte[], byte[]> stream;
  private Producer<byte[], byte[]> producer;
  private ExecutorService sender;
  private MessageConsumer<Batch> consumer;
  private Timer ackTimer;
  private Counter acked;
  private Counter failed;

  public KafkaPublisherVerticle(
      KafkaConfig config, GatewayState state, long maxInFlightBytes, MeterRegistry registry) {
    this(config, state, maxInFlightBytes, registry, null);
  }

  /** {@code routing} gives each event type's record form ({@code routes[].format}); null: native only. */
  public KafkaPublisherVerticle(KafkaConfig config, GatewayState state, long maxInFlightBytes,
      MeterRegistry registry, RoutingConfig routing) {
    this.forms = routing == null ? RecordForms.nativeOnly() : new RecordForms(routing);
    this.config = config;
    this.state = state;
    this.maxInFlightBytes = maxInFlightBytes;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    ackTimer =
        Timer.builder("sluice.kafka.ack.duration")
            .description("Producer send to Kafka acknowledgement of a whole batch")
            .publishPercentileHistogram()
            .register(registry);
    acked = Counter.builder("sluice.kafka.records").tag("result", "acked").register(registry);
    failed = Counter.builder("sluice.kafka.records").tag("result", "failed").register(registry);
    sender =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-kafka-sender");
              t.setDaemon(true);
              return t;
            });
    Map<String, Object> props = config.producerProperties(maxInFlightBytes);
    return vertx
        .executeBlocking(() -> KafkaWriteStream.<byte[], byte[]>create(vertx, props))
        .map(
            s -> {
              stream = s;
              producer = s.unwrap();
              consumer = vertx.eventBus().consumer(Addresses.KAFKA_PUBLISH, this::publish);
              LOG.info("Kafka producer ready for {}", config.bootstrapServers());
              return consumer;
            })
        .compose(MessageConsumer::completion);
  }

  /**
   * Stops taking batches, lets queued ones be handed over, and closes the producer, which sends what it
   * holds. Runs after the gateway drained, so normally nothing is left; when the drain timed out (Kafka
   * away) both steps are bounded by {@value #CLOSE_MS} ms and what is left fails (its clients get 503).
   */
  @Override
  public Future<?> stop() {
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      sender.shutdown();
                      return sender.awaitTermination(CLOSE_MS, TimeUnit.MILLISECONDS);
                    }))
        .compose(v -> stream == null ? Future.succeededFuture() : stream.close(CLOSE_MS))
        .onComplete(ar -> LOG.info("Kafka producer closed{}", ar.failed() ? ": " + ar.cause() : ""));
  }

  /** Bound of each step of {@link #stop()}. */
  private static final long CLOSE_MS = 5000;

  private void publish(Message<Batch> msg) {
    long arrived = System.nanoTime();
    sender.execute(() -> send(msg, arrived));
  }

  /**
   * On the sender thread: sends every record; the last acknowledgement answers the batch. A record is
   * handed to the producer only until {@link KafkaConfig#handOffMs()} after the batch arrived; what is
   * left then was never sent and is failed as retryable, so that the answer always comes within {@link
   * KafkaConfig#publishAnswerBoundMs()} and never says "retry" for a record Kafka may still take. Records
   * of a topic known to be missing are refused without waiting for its metadata.
   */
  private void send(Message<Batch> msg, long arrived) {
    Batch batch = msg.body();
    int n = batch.size();
    Outcome[] outcomes = new Outcome[n];
    AtomicInteger remaining = new AtomicInteger(n);
    AtomicBoolean unavailable = new AtomicBoolean();
    long started = System.nanoTime();
    long handOffDeadline = arrived + TimeUnit.MILLISECONDS.toNanos(config.handOffMs());
    RecordHeaders headers = new RecordHeaders(batch.traceparent());
    for (int i = 0; i < n; i++) {
      if (unavailable.get()) {
        // a send already waited max.block.ms for metadata: do not make every record wait again
        failRest(msg, outcomes, remaining, i, Failure.KAFKA_UNAVAILABLE, "Kafka metadata unavailable", started);
        return;
      }
      if (System.nanoTime() - handOffDeadline > 0) {
        failRest(msg, outcomes, remaining, i, Failure.KAFKA_UNAVAILABLE,
            "not sent: Kafka did not take the batch within " + config.handOffMs() + " ms", started);
        return;
      }
      String topic = batch.topics()[i];
      if (state.topicMissing(topic)) {
        settle(msg, outcomes, remaining, i, Outcome.failed(Failure.TOPIC_MISSING, missing(topic)), started);
        continue;
      }
      Event e = batch.events().get(i);
      ProducerRecord<byte[], byte[]> record;
      try {
        record = forms.record(topic, e, headers,
            batch.traceparents() == null ? null : batch.traceparents()[i], batch.traceparent());
      } catch (RuntimeException error) { // a value that is not a native envelope cannot take a CloudEvents form
        LOG.error("Event {} of type {}: no record could be made", e.eventId(), e.eventType(), error);
        settle(msg, outcomes, remaining, i, Outcome.failed(Failure.INTERNAL_ERROR, "no Kafka record could be made"
            + " of the event: " + error.getMessage()), started);
        continue;
      }
      int slot = i;
      try {
        producer.send(
            record,
            (metadata, error) -> {
              Outcome o;
              if (error == null) {
                o = Outcome.accepted(metadata.topic(), metadata.partition(), metadata.offset());
              } else {
                Failure f = KafkaFailures.classify(error);
                o = Outcome.failed(f, KafkaFailures.describe(f, error));
                if (f == Failure.KAFKA_UNAVAILABLE) {
                  unavailable.set(true);
                }
              }
              settle(msg, outcomes, remaining, slot, o, started);
            });
      } catch (RuntimeException error) { // KafkaException, IllegalStateException (closed), and anything else
        if (KafkaFailures.noMetadata(error) && state.kafkaUp()) {
          // Kafka answers but not for this topic: refuse its records at once until the probe sees it
          state.topicMissing(topic, true);
          LOG.warn("Kafka topic '{}' did not appear in the metadata within max.block.ms; its events are refused"
              + " (SLC-5005) until it exists", topic);
          settle(msg, outcomes, remaining, i, Outcome.failed(Failure.TOPIC_MISSING, missing(topic)), started);
          continue;
        }
        // send itself failed (metadata timeout, buffer full, producer closed): nothing from here on was
        // handed to the producer, and the rest of the batch would fail the same way
        Failure f = KafkaFailures.classify(error);
        failRest(msg, outcomes, remaining, i, f, KafkaFailures.describe(f, error), started);
        return;
      }
    }
  }

  private static String missing(String topic) {
    return "topic '" + topic + "' does not exist in Kafka and the broker does not create topics: ask an"
        + " operator to create it (or fix its route); not sent";
  }

  private void settle(
      Message<Batch> msg, Outcome[] outcomes, AtomicInteger remaining, int slot, Outcome o, long started) {
    outcomes[slot] = o;
    if (remaining.decrementAndGet() == 0) {
      complete(msg, outcomes, started);
    }
  }

  /** Fails the records from {@code from} on, which were never handed to the producer. */
  private void failRest(
      Message<Batch> msg,
      Outcome[] outcomes,
      AtomicInteger remaining,
      int from,
      Failure f,
      String message,
      long started) {
    for (int j = from; j < outcomes.length; j++) {
      outcomes[j] = Outcome.failed(f, message);
    }
    if (remaining.addAndGet(from - outcomes.length) == 0) {
      complete(msg, outcomes, started);
    }
  }

  private void complete(Message<Batch> msg, Outcome[] outcomes, long started) {
    ackTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    int ok = 0;
    for (Outcome o : outcomes) {
      if (o.isAccepted()) {
        ok++;
      }
    }
    acked.increment(ok);
    failed.increment(outcomes.length - ok);
    context.runOnContext(v -> msg.reply(new BatchOutcome(outcomes)));
  }
}
