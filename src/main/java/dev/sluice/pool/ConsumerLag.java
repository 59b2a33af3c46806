package dev.sluice.pool;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code sluice.bridge.consumer.lag}: per assigned partition, the records between a consumer's
 * position and the end of the partition, as of the consumer's last fetch. Updated on the poll thread.
 */
final class ConsumerLag {

  private final String route;
  private final MeterRegistry registry;
  private final Map<TopicPartition, AtomicLong> lags = new ConcurrentHashMap<>();

  private final String metric;
  private final String tag;

  ConsumerLag(String route, MeterRegistry registry, String metric, String tag) {
    this.route = route;
    this.registry = registry;
    this.metric = metric;
    this.tag = tag;
  }

  /** Reads the lag of every partition {@code consumer} is assigned (no request to the broker). */
  void update(Consumer<?, ?> consumer) {
    for (TopicPartition tp : consumer.assignment()) {
      var lag = consumer.currentLag(tp);
      if (lag.isPresent()) {
        lags.computeIfAbsent(tp, this::gauge).set(lag.getAsLong());
      }
    }
  }

  private AtomicLong gauge(TopicPartition tp) {
    AtomicLong value = new AtomicLong();
    Gauge.builder(metric, value, AtomicLong::get)
        .description("Records between the consumer's position and the end of the partition")
        .tag(tag, route)
        .tag("topic", tp.topic())
        .tag("partition", Integer.toString(tp.partition()))
        .register(registry);
    return value;
  }
}
