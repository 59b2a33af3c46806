package dev.sluice.bus;

/**
 * What became of one event: taken durably — by Kafka at a position, by the spool, or by a fallback
 * target — or not, with the failure.
 *
 * @param failure {@code null} when taken
 * @param message what went wrong, for the client; {@code null} when taken
 * @param via {@code null} when Kafka took it; {@link #SPOOL} when the spool did; the fallback target's
 *     name (e.g. {@code grpc:orders-service}) when that target did
 */
public record Outcome(Failure failure, String message, String topic, int partition, long offset, String via) {

  /** {@link #via} of an event the spool took. */
  public static final String SPOOL = "spool";

  public static Outcome accepted(String topic, int partition, long offset) {
    return new Outcome(null, null, topic, partition, offset, null);
  }

  /** Committed to the spool: Kafka gets it from the relay once it takes events again. */
  public static Outcome spooled(String topic) {
    return new Outcome(null, null, topic, -1, -1, SPOOL);
  }

  /** Taken by a fallback target, which answered OK. */
  public static Outcome delivered(String topic, String target) {
    return new Outcome(null, null, topic, -1, -1, target);
  }

  public static Outcome failed(Failure failure, String message) {
    return new Outcome(failure, message, null, -1, -1, null);
  }

  /** Taken durably (by Kafka, the spool or a fallback target). */
  public boolean isAccepted() {
    return failure == null;
  }

  /** What a client is told: {@code accepted} (Kafka), {@code spooled} or {@code delivered}. */
  public String status() {
    return via == null ? "accepted" : SPOOL.equals(via) ? "spooled" : "delivered";
  }
}
