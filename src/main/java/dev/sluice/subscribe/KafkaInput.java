package dev.sluice.subscribe;

import dev.sluice.bus.GatewayState;
import dev.sluice.config.KafkaConfig;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.config.SubscriptionsConfig.Subscription;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.KafkaDeadLetters;
import dev.sluice.pool.KafkaSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Kafka topics as a subscription's input: a consumer-group member of {@code <group-id-prefix>.<name>}
 * ({@link KafkaSource}: offsets committed contiguously once records are done); dead letters go to a
 * Kafka topic.
 */
final class KafkaInput implements Input {

  private final Subscription sub;
  private final KafkaDeadLetters deadLetters;
  private final KafkaSource source;
  private Consumer<List<Message>> sink;

  KafkaInput(Subscription sub, SubscriptionsConfig config, KafkaConfig kafka, GatewayState state,
      MeterRegistry registry, Context context, KafkaDeadLetters deadLetters) {
    this.sub = sub;
    this.deadLetters = deadLetters;
    int perSource = config.maxInFlightPerSource();
    this.source = new KafkaSource(sub.name(),
        kafka.consumerProperties(config.groupIdPrefix() + "." + sub.name(), "sub-" + sub.name(), perSource, 300_000),
        sub.topics(), perSource, new AtomicInteger(), Integer.MAX_VALUE, context, this::accept, registry, state,
        "sluice.subscription.lag", "subscription");
  }

  @Override
  public void start(Consumer<List<Message>> sink) {
    this.sink = sink;
    source.start();
  }

  private void accept(List<KafkaSource.Item> items) {
    List<Message> out = new ArrayList<>(items.size());
    items.forEach(item -> out.add(Message.of(item.record(), item)));
    sink.accept(out);
  }

  @Override
  public void done(Message m) {
    source.done((KafkaSource.Item) m.handle());
  }

  @Override
  public void abandon(Message m) {
    source.abandon((KafkaSource.Item) m.handle());
  }

  @Override
  public void hold(boolean hold) {
    source.hold(hold);
  }

  @Override
  public int paused() {
    return source.pausedPartitions();
  }

  @Override
  public Future<Void> deadLetter(Message m, DeadLetter letter) {
    List<Header> headers = new ArrayList<>(m.headers().size());
    m.headers().forEach(h -> headers.add(new RecordHeader(h.name(), h.value())));
    return deadLetters.send(sub.deadLetter(), m.key(), m.value(), headers, letter);
  }

  @Override
  public Future<Void> stop(long timeoutMs) {
    return source.stop(timeoutMs);
  }
}
