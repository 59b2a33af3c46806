package dev.sluice.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The Kafka side: where the brokers are, how long an event may wait for its acknowledgement, and the
 * producer's own options passed through as they are.
 */
public record KafkaConfig(
    String bootstrapServers, int deliveryTimeoutMs, int healthIntervalMs, Map<String, String> producer) {

  /** Producer options that have a key of their own, or that Sluice must set itself. */
  private static final Set<String> OWNED =
      Set.of("bootstrap.servers", "delivery.timeout.ms", "key.serializer", "value.serializer");

  public KafkaConfig {
    Check.notBlank("kafka.bootstrap-servers", bootstrapServers);
    Check.atLeast("kafka.delivery-timeout-ms", deliveryTimeoutMs, 1000);
    Check.atLeast("kafka.health-interval-ms", healthIntervalMs, 100);
    producer = Map.copyOf(producer);
    for (String key : producer.keySet()) {
      if (OWNED.contains(key)) {
        throw new ConfigException(
            "kafka.producer." + key, "is set by Sluice; use the kafka.* key of its own instead");
      }
    }
    if (!"all".equals(producer.getOrDefault("acks", "all"))
        && !"-1".equals(producer.get("acks"))) {
      throw new ConfigException(
          "kafka.producer.acks",
          "must be 'all': Sluice acknowledges an event only once every in-sync replica has it");
    }
    if ("false".equalsIgnoreCase(producer.getOrDefault("enable.idempotence", "true"))) {
      throw new ConfigException(
          "kafka.producer.enable.idempotence", "must be true: retries must not duplicate or reorder");
    }
    long linger = longOption(producer, "linger.ms", 5);
    long requestTimeout = requestTimeoutMs(producer, deliveryTimeoutMs, linger);
    if (linger + requestTimeout > deliveryTimeoutMs) {
      throw new ConfigException(
          "kafka.delivery-timeout-ms",
          "must be >= kafka.producer.linger.ms + kafka.producer.request.timeout.ms ("
              + (linger + requestTimeout)
              + ")");
    }
  }

  /** How long a send may block waiting for metadata, as the producer will use it. */
  public long maxBlockMs() {
    return longOption(producer, "max.block.ms", 60_000);
  }

  /**
   * How long after a batch reached the publisher its records may still be handed to the producer;
   * records left then were never sent and are failed as retryable.
   */
  public long handOffMs() {
    return maxBlockMs();
  }

  /**
   * The latest the publisher answers a batch: its hand-off window, one last {@code send} blocking up
   * to {@code max.block.ms}, then Kafka's delivery timeout for what was handed over, plus a second for
   * scheduling. Whoever waits for the publisher waits longer than this.
   */
  public long publishAnswerBoundMs() {
    return handOffMs() + maxBlockMs() + deliveryTimeoutMs + 1000;
  }

  /**
   * The producer's properties: the pass-through options, with the ones Sluice owns set, and {@code
   * buffer.memory} defaulting to the in-flight byte bound (so that it fits inside it).
   */
  public Map<String, Object> producerProperties(long maxInFlightBytes) {
    Map<String, Object> props = new HashMap<>(producer);
    long linger = longOption(producer, "linger.ms", 5);
    props.put("bootstrap.servers", bootstrapServers);
    props.put("delivery.timeout.ms", Integer.toString(deliveryTimeoutMs));
    props.put(
        "request.timeout.ms", Long.toString(requestTimeoutMs(producer, deliveryTimeoutMs, linger)));
    props.putIfAbsent("buffer.memory", Long.toString(maxInFlightBytes));
    props.putIfAbsent("client.id", "sluice-producer");
    props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    return props;
  }

  /** Properties for the readiness probe's admin client. */
  public Map<String, String> adminProperties() {
    String timeout = Integer.toString(Math.max(500, Math.min(2000, healthIntervalMs * 2)));
    return Map.of(
        "bootstrap.servers", bootstrapServers,
        "client.id", "sluice-health",
        "request.timeout.ms", timeout,
        "default.api.timeout.ms", timeout,
        "reconnect.backoff.max.ms", "1000");
  }

  private static long requestTimeoutMs(Map<String, String> producer, int deliveryMs, long linger) {
    if (producer.containsKey("request.timeout.ms")) {
      return longOption(producer, "request.timeout.ms", 30_000);
    }
    return Math.max(1, Math.min(30_000, (deliveryMs - linger) / 2));
  }

  private static long longOption(Map<String, String> producer, String key, long fallback) {
    String value = producer.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("kafka.producer." + key, "must be a whole number, got '" + value + "'");
    }
  }
}
