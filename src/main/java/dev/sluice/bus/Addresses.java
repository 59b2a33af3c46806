package dev.sluice.bus;

/** Event-bus addresses. Every part talks to another only through one of these. */
public final class Addresses {

  /** ingest → route: a {@link Batch} of validated events; the reply is a {@link BatchOutcome}. */
  public static final String ROUTE = "sluice.route";

  /** route → kafka: a {@link Batch} with a topic per event; the reply is a {@link BatchOutcome}. */
  public static final String KAFKA_PUBLISH = "sluice.kafka.publish";

  private Addresses() {}
}
