package dev.sluice.kafka;

import dev.sluice.bus.Failure;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;

/** Turns what the producer reports into the gateway's failures. */
final class KafkaFailures {

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
    return Failure.BROKER_REJECTED;
  }

  static String describe(Failure failure, Throwable error) {
    return switch (failure) {
      case EVENT_TOO_LARGE -> "the event is larger than Kafka accepts: " + error.getMessage();
      case KAFKA_UNAVAILABLE -> "Kafka did not acknowledge in time: " + error.getMessage();
      case SHUTTING_DOWN -> "the gateway is shutting down";
      default -> "Kafka refused the record: " + error.getClass().getSimpleName() + ": " + error.getMessage();
    };
  }
}
