package dev.sluice.bus;

/**
 * What every part may need to know about the process as a whole: is Kafka reachable, is the gateway
 * draining for shutdown. Written by the part that knows, read by any thread.
 */
public final class GatewayState {

  private volatile boolean kafkaUp;
  private volatile String kafkaProblem;
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> rabbitLinks =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean draining;

  public boolean kafkaUp() {
    return kafkaUp;
  }

  public void kafkaUp(boolean up) {
    this.kafkaUp = up;
    if (up) {
      kafkaProblem = null;
    }
  }

  /** Records that the last probe did not reach Kafka, and why (for readiness). */
  public void kafkaDown(String problem) {
    this.kafkaProblem = problem;
    this.kafkaUp = false;
  }

  /** Why the last probe did not reach Kafka; null when it did (or nobody said). */
  public String kafkaProblem() {
    return kafkaUp ? null : kafkaProblem;
  }

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    this.draining = true;
  }

  /** Records whether the RabbitMQ link {@code name} (one per bridge route) is connected. */
  public void rabbitLink(String name, boolean up) {
    rabbitLinks.put(name, up);
  }

  /** Forgets a RabbitMQ link (its route stopped). */
  public void removeRabbitLink(String name) {
    rabbitLinks.remove(name);
  }

  /** True when a RabbitMQ link is configured (the bridge runs). */
  public boolean rabbitConfigured() {
    return !rabbitLinks.isEmpty();
  }

  /** True when every RabbitMQ link is connected (also when there is none). */
  public boolean rabbitUp() {
    return !rabbitLinks.containsValue(Boolean.FALSE);
  }

  /** Ready: Kafka reachable, every RabbitMQ link of the bridge connected, and not shutting down. */
  public boolean ready() {
    return kafkaUp && rabbitUp() && !draining;
  }
}
