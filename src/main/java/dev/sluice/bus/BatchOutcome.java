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
   * Every event failed because the next part did not answer. No handler: the gateway is shutting down
   * and nothing was sent (retry elsewhere). Anything else (a timeout): the publisher may still hand the
   * events to Kafka, so the outcome is unknown and the answer must not invite a blind retry. The
   * publisher answers within its own bound, so this is a fault, not a normal path.
   */
  public static BatchOutcome noAnswer(int size, Throwable cause) {
    if (cause instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
      return allFailed(size, Failure.SHUTTING_DOWN, "the gateway is shutting down");
    }
    return allFailed(
        size,
        Failure.OUTCOME_UNKNOWN,
        "no answer from the Kafka publisher in time (" + cause.getMessage() + "): the outcome is unknown;"
            + " Kafka may still acknowledge the event, so check before sending it again (eventId is the"
            + " dedup key)");
  }
}
