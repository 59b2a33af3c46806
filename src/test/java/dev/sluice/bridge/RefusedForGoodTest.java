package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** Which Kafka failures of a RabbitMQ → Kafka send are parked rather than retried. */
class RefusedForGoodTest {

  @Test
  void theRecordItselfRefusedIsForGood() {
    assertThat(RabbitToKafkaVerticle.refusedForGood(new InvalidTimestampException("ahead"))).isTrue();
    assertThat(RabbitToKafkaVerticle.refusedForGood(new RecordTooLargeException("big"))).isTrue();
    assertThat(RabbitToKafkaVerticle.refusedForGood(new InvalidRecordException("bad"))).isTrue();
  }

  @Test
  void outagesAndTheOtherRecordsOfARefusedBatchAreRetried() {
    assertThat(RabbitToKafkaVerticle.refusedForGood(new TimeoutException("expired"))).isFalse();
    assertThat(RabbitToKafkaVerticle.refusedForGood(new NotLeaderOrFollowerException("moved"))).isFalse();
    assertThat(RabbitToKafkaVerticle.refusedForGood(new KafkaException(
        "Failed to append record because it was part of a batch which had one more more invalid records")))
        .isFalse();
  }
}
