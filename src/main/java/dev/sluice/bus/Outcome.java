package dev.sluice.bus;

/**
 * What became of one event: accepted by the broker at a position, or not, with the failure.
 *
 * @param failure {@code null} when accepted
 * @param message what went wrong, for the client; {@code null} when accepted
 */
public record Outcome(Failure failure, String message, String topic, int partition, long offset) {

  public static Outcome accepted(String topic, int partition, long offset) {
    return new Outcome(null, null, topic, partition, offset);
  }

  public static Outcome failed(Failure failure, String message) {
    return new Outcome(failure, message, null, -1, -1);
  }

  public boolean isAccepted() {
    return failure == null;
  }
}
