package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Failure;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** The producer's errors, as the producer builds them, and what the client is told. */
class KafkaFailuresTest {

  /** What kafka-clients' Sender gives the records that shared a batch with a refused one (KIP-467). */
  private static final KafkaException BATCH_MATE =
      new KafkaException(
          "Failed to append record because it was part of a batch which had one more more invalid records");

  @Test
  void aRecordFailedOnlyForItsBatchMateIsRetryable() {
    Failure f = KafkaFailures.classify(BATCH_MATE);
    assertThat(f).isEqualTo(Failure.REFUSED_WITH_BATCH);
    assertThat(f.retryable()).isTrue();
    assertThat(f.httpStatus()).isEqualTo(503);
    assertThat(KafkaFailures.describe(f, BATCH_MATE)).contains("another record of the same producer batch");
  }

  @Test
  void theRefusedRecordItselfIsNotRetryable() {
    Failure f = KafkaFailures.classify(new InvalidRecordException("compacted topic needs a key"));
    assertThat(f.retryable()).isFalse();
    assertThat(KafkaFailures.classify(new RecordTooLargeException("too large")))
        .isEqualTo(Failure.EVENT_TOO_LARGE);
    assertThat(KafkaFailures.classify(new TopicAuthorizationException("denied")))
        .isEqualTo(Failure.BROKER_REJECTED);
    assertThat(KafkaFailures.classify(new KafkaException("something else")))
        .isEqualTo(Failure.BROKER_REJECTED);
  }

  @Test
  void tellsAMissingTopicsMetadataTimeoutFromAFullBuffer() {
    assertThat(KafkaFailures.noMetadata(new TimeoutException("Topic orders not present in metadata after 5000 ms.")))
        .isTrue();
    assertThat(
            KafkaFailures.noMetadata(
                new TimeoutException("Failed to allocate memory within the configured max blocking time 5000 ms.")))
        .isFalse();
    assertThat(KafkaFailures.classify(new TimeoutException("x"))).isEqualTo(Failure.KAFKA_UNAVAILABLE);
  }
}
