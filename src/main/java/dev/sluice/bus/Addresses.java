package dev.sluice.bus;

/** Event-bus addresses. Every part talks to another only through one of these. */
public final class Addresses {

  /** ingest → route: a {@link Batch} of validated events; the reply is a {@link BatchOutcome}. */
  public static final String ROUTE = "sluice.route";

  /** route → kafka: a {@link Batch} with a topic per event; the reply is a {@link BatchOutcome}. */
  public static final String KAFKA_PUBLISH = "sluice.kafka.publish";

  /**
   * admin → a subscription: a {@code StoredDeadLetter} to deliver again (attempts reset); the reply is
   * a String: {@code delivered}, {@code skipped} (delivered before, or not of the subscription's event
   * types) or {@code dead-lettered} (it failed again: its dead letter was replaced). A failure means
   * nothing was decided (e.g. the subscription is stopping).
   */
  public static String replay(String subscription) {
    return "sluice.subscription." + subscription + ".replay";
  }

  private Addresses() {}
}
