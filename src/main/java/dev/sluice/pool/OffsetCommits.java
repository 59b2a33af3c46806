package dev.sluice.pool;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits what a Kafka source's {@link OffsetTracker}s allow: contiguously done offsets only, as a
 * consumer's asynchronous commit (a failed one is offered again with the next) or synchronously (on
 * revoke and stop). Confined to the poll thread.
 */
final class OffsetCommits {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

  private final String name;
  private final Map<TopicPartition, OffsetTracker> trackers;

  OffsetCommits(String name, Map<TopicPartition, OffsetTracker> trackers) {
    this.name = name;
    this.trackers = trackers;
  }

  /** Commits the done offsets of {@code partitions} that moved ({@code sync}: all, and waits). */
  void commit(Consumer<?, ?> consumer, boolean sync, Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetTracker t = trackers.get(tp);
      long c = t == null ? -1 : sync ? t.position() : t.committable();
      if (c >= 0) {
        offsets.put(tp, new OffsetAndMetadata(c));
        t.markCommitted(c);
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      try {
        consumer.commitSync(offsets, Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        LOG.warn("Bridge consumer {}: commit of {} failed: {}", name, offsets, e.toString());
      }
    } else {
      consumer.commitAsync(
          offsets,
          (o, e) -> {
            if (e != null) {
              LOG.warn("Bridge consumer {}: commit failed (retried with the next one): {}", name, e.toString());
              o.forEach((tp, om) -> {
                OffsetTracker t = trackers.get(tp);
                if (t != null) {
                  t.unmarkCommitted(om.offset());
                }
              });
            }
          });
    }
  }
}
