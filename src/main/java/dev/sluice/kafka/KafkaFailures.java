package dev.sluice.kafka;

import dev.sluice.bus.Failure;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;

/** Turns what the producer reports into the gateway's failures. */
final class KafkaFailures {

  /**
   * How the producer fails the records that shared a produce request's batch with a record the broker
   * refused (KIP-467): they were not written and may be sent again as they are.
   */
  static final String BATCH_MATE = "part of a batch which had one";

  /** How {@code send} reports that a topic's metadata did not arrive within {@code max.block.ms}. */
  private static final String NO_METADATA = "not present in metadata";

  private KafkaFailures() {}

  static Failure classify(Throwable error) {
    if (error instanceof RecordTooLargeException) {
      return Failure.EVENT_TOO_LARGE;
    }
    if (error instanceof TimeoutException || error instanceof RetriableException) {
      return Failure.KAFKA_UNAVAILABLE;
    }
    if (error instanceof IllegalStateException || error instanceof InterruptException) {
      return Failure.SHUTTING_DOWN; // the producer was closed under the send
    }
    if (error instanceof AuthorizationException || error instanceof AuthenticationException) {
      return Failure.BROKER_REJECTED;
    }
    if (error.getClass() == KafkaException.class
        && error.getMessage() != null
        && error.getMessage().contains(BATCH_MATE)) {
      return Failure.REFUSED_WITH_BATCH;
    }
    return Failure.BROKER_REJECTED;
  }

  /** True when {@code send} gave up waiting for the metadata of the record's topic. */
  static boolean noMetadata(Throwable error) {
    return error instanceof TimeoutException
        && error.getMessage() != null
        && error.getMessage().contains(NO_METADATA);
  }

  static String describe(Failure failure, Throwable error) {
    return switch (failure) {
      case EVENT_TOO_LARGE -> "the event is larger than Kafka accepts: " + error.getMessage();
      case KAFKA_UNAVAILABLE -> "Kafka did not acknowledge in time: " + error.getMessage();
      case SHUTTING_DOWN -> "the gateway is shutting down";
      case REFUSED_WITH_BATCH ->
          "not written: Kafka refused another record of the same producer batch; this one may be sent"
              + " again as it is";
      default -> "Kafka refused the record: " + error.getClass().getSimpleName() + ": " + error.getMessage();
    };
  }
}
