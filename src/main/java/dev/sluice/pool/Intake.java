package dev.sluice.pool;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a Kafka source hands out of a poll: each record of a partition it still owns is taken into
 * the partition's {@link OffsetTracker} and counted in flight (the source's and the process's).
 * Confined to the poll thread.
 */
final class Intake {

  private final Map<TopicPartition, OffsetTracker> trackers;
  private final Map<TopicPartition, Long> epochs;
  private final AtomicInteger inFlight;
  private final AtomicInteger processInFlight;

  Intake(Map<TopicPartition, OffsetTracker> trackers, Map<TopicPartition, Long> epochs, AtomicInteger inFlight,
      AtomicInteger processInFlight) {
    this.trackers = trackers;
    this.epochs = epochs;
    this.inFlight = inFlight;
    this.processInFlight = processInFlight;
  }

  /** Takes {@code records} (none while {@code stopping}: they are read again later) into {@code out}. */
  void take(Iterable<ConsumerRecord<byte[], byte[]>> records, boolean stopping, List<KafkaSource.Item> out) {
    for (ConsumerRecord<byte[], byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      OffsetTracker tracker = trackers.get(tp);
      if (stopping || tracker == null) {
        continue; // not ours any more, or stopping: read again later
      }
      tracker.take(r.offset());
      inFlight.incrementAndGet();
      processInFlight.incrementAndGet();
      out.add(new KafkaSource.Item(r, epochs.get(tp)));
    }
  }
}
