package dev.sluice.bus;

/**
 * What every part may need to know about the process as a whole: is Kafka reachable, is the gateway
 * draining for shutdown. Written by the part that knows, read by any thread.
 */
public final class GatewayState {

  private volatile boolean kafkaUp;
  private volatile boolean draining;

  public boolean kafkaUp() {
    return kafkaUp;
  }

  public void kafkaUp(boolean up) {
    this.kafkaUp = up;
  }

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    this.draining = true;
  }

  /** Ready to accept events: Kafka reachable and not shutting down. */
  public boolean ready() {
    return kafkaUp && !draining;
  }
}
