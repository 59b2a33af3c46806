package dev.sluice.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** The reply to a {@link Batch}: one outcome per event, in the batch's order. */
public record BatchOutcome(Outcome[] outcomes) {

  public static BatchOutcome allFailed(int size, Failure failure, String message) {
    Outcome[] all = new Outcome[size];
    java.util.Arrays.fill(all, Outcome.failed(failure, message));
    return new BatchOutcome(all);
  }

  /**
   * Every event failed because the next part did not answer: no handler means the gateway is shutting
   * down; a timeout means Kafka did not acknowledge in time.
   */
  public static BatchOutcome noAnswer(int size, Throwable cause) {
    if (cause instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
      return allFailed(size, Failure.SHUTTING_DOWN, "the gateway is shutting down");
    }
    return allFailed(
        size, Failure.KAFKA_UNAVAILABLE, "Kafka did not acknowledge in time: " + cause.getMessage());
  }
}
