package dev.sluice.pool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Kafka source hands out of a poll: each record of a partition it still owns is taken into
 * the partition's {@link OffsetTracker} and counted in flight (the source's and the process's).
 * Confined to the poll thread.
 *
 * <p>A partition's position goes back when the consumer resets it (e.g. {@code auto.offset.reset}
 * after its position fell out of range): records up to the last offset taken come again and were
 * handed out already, so they are skipped. (Only after an unclean leader election truncated the log
 * could such an offset hold a different record; Kafka lost the original then.)
 */
final class Intake {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

  private final String name;
  private final Map<TopicPartition, OffsetTracker> trackers;
  private final Map<TopicPartition, Long> epochs;
  private final AtomicInteger inFlight;
  private final AtomicInteger processInFlight;

  Intake(String name, Map<TopicPartition, OffsetTracker> trackers, Map<TopicPartition, Long> epochs,
      AtomicInteger inFlight, AtomicInteger processInFlight) {
    this.name = name;
    this.trackers = trackers;
    this.epochs = epochs;
    this.inFlight = inFlight;
    this.processInFlight = processInFlight;
  }

  /**
   * Takes {@code records} (none while {@code stopping}: they are read again later) into {@code out}:
   * a record is added to {@code out} exactly when it was taken and counted, so that whatever happens
   * later in the poll, what was counted can be handed out. An offset its tracker refuses (not above the
   * last one taken: the partition's position went back, and the record was handed out already) is
   * skipped, and logged.
   */
  void take(Iterable<ConsumerRecord<byte[], byte[]>> records, boolean stopping, List<KafkaSource.Item> out) {
    Map<TopicPartition, long[]> refused = null;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      OffsetTracker tracker = trackers.get(tp);
      Long epoch = epochs.get(tp);
      if (stopping || tracker == null || epoch == null) {
        continue; // not ours any more, or stopping: read again later
      }
      if (!tracker.take(r.offset())) {
        refused = refused == null ? new HashMap<>() : refused;
        long[] range = refused.computeIfAbsent(tp, k -> new long[] {r.offset(), r.offset(), 0, tracker.last()});
        range[0] = Math.min(range[0], r.offset());
        range[1] = Math.max(range[1], r.offset());
        range[2]++;
        continue;
      }
      inFlight.incrementAndGet();
      processInFlight.incrementAndGet();
      out.add(new KafkaSource.Item(r, epoch));
    }
    if (refused != null) {
      refused.forEach((tp, range) -> LOG.warn("Bridge consumer {}: {} read {} record(s) again at offsets {}..{}, "
          + "not above offset {} taken already (its position went back: a reset or seek); not handed out twice",
          name, tp, range[2], range[0], range[1], range[3]));
    }
  }
}
