package dev.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The hand-off of a poll's records ({@link Intake}): what is taken, counted and handed out. */
class IntakeTest {

  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);

  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private final Map<TopicPartition, Long> epochs = new HashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger processInFlight = new AtomicInteger();
  private final Intake intake = new Intake("test", trackers, epochs, inFlight, processInFlight);

  private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset) {
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, null, new byte[0]);
  }

  private void assign(TopicPartition tp, long epoch) {
    trackers.put(tp, new OffsetTracker());
    epochs.put(tp, epoch);
  }

  /**
   * After the partition's position went back (a reset or seek), a poll brings offsets the tracker
   * already took: they are not handed out again, and neither the records before them in the poll nor
   * those after are lost, counted twice or left uncounted; nothing is committable past a record not
   * done.
   */
  @Test
  void anOffsetAlreadyTakenStrandsNothingAndLeaksNoCount() {
    assign(P0, 1);
    assign(P1, 2);
    List<KafkaSource.Item> first = new ArrayList<>();
    intake.take(List.of(record(P0, 10), record(P0, 11)), false, first);
    assertThat(first).hasSize(2);

    List<KafkaSource.Item> out = new ArrayList<>();
    intake.take(List.of(record(P0, 12), record(P0, 5), record(P0, 11), record(P0, 13), record(P1, 0)), false, out);

    assertThat(out).extracting(i -> i.record().partition() + "@" + i.record().offset())
        .containsExactly("0@12", "0@13", "1@0");
    assertThat(out).extracting(KafkaSource.Item::epoch).containsExactly(1L, 1L, 2L);
    assertThat(inFlight).hasValue(5);
    assertThat(processInFlight).hasValue(5);
    OffsetTracker p0 = trackers.get(P0);
    assertThat(p0.inFlight()).isEqualTo(4);
    p0.done(12);
    p0.done(13);
    assertThat(p0.committable()).as("10 and 11 are not done").isEqualTo(-1);
    p0.done(10);
    p0.done(11);
    assertThat(p0.committable()).isEqualTo(14);
  }

  @Test
  void takesNothingOfAPartitionNoLongerOwnedOrWhileStopping() {
    assign(P0, 1);
    List<KafkaSource.Item> out = new ArrayList<>();
    intake.take(List.of(record(P1, 0)), false, out);
    intake.take(List.of(record(P0, 0)), true, out);
    assertThat(out).isEmpty();
    assertThat(inFlight).hasValue(0);
    assertThat(trackers.get(P0).inFlight()).isZero();
  }
}
