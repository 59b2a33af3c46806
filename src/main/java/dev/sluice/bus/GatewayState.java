package dev.sluice.bus;

/**
 * What every part may need to know about the process as a whole: is Kafka reachable, are the bridge's
 * RabbitMQ links and Kafka consumers up, is the gateway draining for shutdown. Written by the part that knows, read by any thread.
 */
public final class GatewayState {

  private volatile boolean kafkaUp;
  private volatile String kafkaProblem;
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> rabbitLinks =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean draining;
  private volatile boolean fallbackUp;
  private volatile boolean fallbackConfigured;
  private final java.util.Set<String> missingTopics = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Kafka sources of the bridge: {@link #UP}, or why they are down. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> kafkaSources =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final String UP = "";

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

  /**
   * Records whether a topic the routes publish to is missing in Kafka (and the broker does not create
   * topics): events for it are refused at once instead of waiting for its metadata.
   */
  public void topicMissing(String topic, boolean missing) {
    if (missing) {
      missingTopics.add(topic);
    } else {
      missingTopics.remove(topic);
    }
  }

  /** True while {@code topic} is known to be missing. */
  public boolean topicMissing(String topic) {
    return !missingTopics.isEmpty() && missingTopics.contains(topic);
  }

  /** The topics known to be missing, sorted. */
  public java.util.List<String> missingTopics() {
    return missingTopics.stream().sorted().toList();
  }

  /** Records whether the spool (PostgreSQL) takes events: it can make them durable while Kafka cannot. */
  public void fallbackUp(boolean up) {
    this.fallbackUp = up;
  }

  /** Records that a fallback (the spool) is configured: readiness names it. */
  public void fallbackConfigured(boolean configured) {
    this.fallbackConfigured = configured;
  }

  public boolean fallbackConfigured() {
    return fallbackConfigured;
  }

  /** True while a fallback (the spool) takes events. */
  public boolean fallbackUp() {
    return fallbackUp;
  }

  /** True while an event can be made durable: Kafka reachable, or a fallback up. */
  public boolean acceptsEvents() {
    return kafkaUp || fallbackUp;
  }

  /**
   * Records the state of the Kafka source (consumer) {@code name} of a bridge route: up ({@code
   * downReason} null) or down and why.
   */
  public void kafkaSource(String name, String downReason) {
    kafkaSources.put(name, downReason == null ? UP : downReason);
  }

  /** Forgets a Kafka source (its route stopped). */
  public void removeKafkaSource(String name) {
    kafkaSources.remove(name);
  }

  /** True when a bridge route reads from Kafka. */
  public boolean kafkaSourcesConfigured() {
    return !kafkaSources.isEmpty();
  }

  /** The Kafka sources that are down, by name, with the reason. */
  public java.util.Map<String, String> kafkaSourcesDown() {
    java.util.Map<String, String> down = new java.util.TreeMap<>();
    kafkaSources.forEach((name, reason) -> {
      if (!UP.equals(reason)) {
        down.put(name, reason);
      }
    });
    return down;
  }

  /**
   * Ready: Kafka reachable or the spool up, every RabbitMQ link and every Kafka source of the bridge
   * up, and not shutting down.
   */
  public boolean ready() {
    return acceptsEvents() && rabbitUp() && kafkaSourcesDown().isEmpty() && !draining;
  }
}
