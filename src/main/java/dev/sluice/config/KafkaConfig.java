package dev.sluice.config;

import dev.sluice.config.KafkaOptions.Client;
import java.util.HashMap;
import java.util.Map;

/**
 * The Kafka side: where the brokers are, how long an event may wait for its acknowledgement, and the
 * Kafka clients' own options. Every client (the producer, the bridge's consumers, the readiness
 * probe's admin client) gets Sluice's defaults for it, then {@code kafka.common}, then its own map
 * ({@code kafka.producer}, {@code kafka.consumer}, {@code kafka.admin}), then the options Sluice owns.
 * Option names and values are checked against kafka-clients' definitions; secret values never show
 * in {@link #toString()}.
 *
 * @param clientIdPrefix client ids are {@code <prefix>-producer}, {@code <prefix>-health} and {@code
 *     <prefix>-bridge-<route>}
 */
public record KafkaConfig(
    String bootstrapServers,
    String clientIdPrefix,
    int deliveryTimeoutMs,
    int healthIntervalMs,
    Map<String, String> common,
    Map<String, String> producer,
    Map<String, String> consumer,
    Map<String, String> admin) {

  private static final String BYTES = "org.apache.kafka.common.serialization.ByteArray";

  /** Options Sluice sets on every client, and what to use instead. */
  private static final Map<String, String> EVERY_CLIENT_OWNED = Map.of(
      "bootstrap.servers", "use kafka.bootstrap-servers",
      "client.id", "use kafka.client-id-prefix (ids are <prefix>-producer, <prefix>-health, <prefix>-bridge-<route>)");

  private static final Map<String, String> PRODUCER_OWNED = with(EVERY_CLIENT_OWNED, Map.of(
      "delivery.timeout.ms", "use kafka.delivery-timeout-ms",
      "key.serializer", "Sluice sends bytes",
      "value.serializer", "Sluice sends bytes",
      "transactional.id", "Sluice's producer is idempotent, not transactional"));

  private static final Map<String, String> CONSUMER_OWNED = with(EVERY_CLIENT_OWNED, Map.of(
      "group.id", "use bridge.group-id-prefix (a route's group is <prefix>.<route>)",
      "group.instance.id", "every route's consumer would share it",
      "enable.auto.commit", "the bridge commits an offset only once the far side confirmed the record",
      "max.poll.interval.ms", "use bridge.max-poll-interval-ms",
      "max.poll.records", "it follows bridge.max-in-flight-per-source (half of it, at most 500)",
      "partition.assignment.strategy", "the bridge uses the cooperative-sticky assignor",
      "key.deserializer", "Sluice reads bytes",
      "value.deserializer", "Sluice reads bytes"));

  public KafkaConfig {
    Check.notBlank("kafka.bootstrap-servers", bootstrapServers);
    Check.notBlank("kafka.client-id-prefix", clientIdPrefix);
    if (!clientIdPrefix.matches("[A-Za-z0-9._-]+")) {
      throw new ConfigException("kafka.client-id-prefix", "'" + clientIdPrefix + "' may hold only A-Z a-z 0-9 . _ -");
    }
    Check.atLeast("kafka.delivery-timeout-ms", deliveryTimeoutMs, 1000);
    Check.atLeast("kafka.health-interval-ms", healthIntervalMs, 100);
    common = Map.copyOf(KafkaOptions.check(null, common, EVERY_CLIENT_OWNED));
    producer = Map.copyOf(KafkaOptions.check(Client.PRODUCER, producer, PRODUCER_OWNED));
    consumer = Map.copyOf(KafkaOptions.check(Client.CONSUMER, consumer, CONSUMER_OWNED));
    admin = Map.copyOf(KafkaOptions.check(Client.ADMIN, admin, EVERY_CLIENT_OWNED));
    Map<String, String> effective = with(common, producer);
    if (!"all".equals(effective.getOrDefault("acks", "all")) && !"-1".equals(effective.get("acks"))) {
      throw new ConfigException(
          "kafka.producer.acks",
          "must be 'all': Sluice acknowledges an event only once every in-sync replica has it");
    }
    if ("false".equalsIgnoreCase(effective.getOrDefault("enable.idempotence", "true"))) {
      throw new ConfigException(
          "kafka.producer.enable.idempotence", "must be true: retries must not duplicate or reorder");
    }
    long linger = longOption(effective, "linger.ms", 5);
    long requestTimeout = requestTimeoutMs(effective, deliveryTimeoutMs, linger);
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

  /** The producer's {@code buffer.memory} when set (by kafka.producer), else -1. */
  public long bufferMemory() {
    return longOption(producer, "buffer.memory", -1);
  }

  /** The producer's {@code batch.size} (Kafka's default when not set). */
  public long batchSize() {
    return longOption(with(common, producer), "batch.size", 16_384);
  }

  /** Properties of the ingest producer: client id {@code <prefix>-producer}. */
  public Map<String, Object> producerProperties(long bufferMemory) {
    return producerProperties(bufferMemory, "producer");
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
   * Properties of a producer named {@code <prefix>-<name>}: {@code buffer.memory} defaults to {@code
   * bufferMemory} (for ingest, the in-flight byte bound, so that it fits inside it), {@code
   * request.timeout.ms} to what fits in {@code kafka.delivery-timeout-ms}.
   */
  public Map<String, Object> producerProperties(long bufferMemory, String name) {
    Map<String, Object> props = new HashMap<>();
    props.put("buffer.memory", Long.toString(bufferMemory));
    props.putAll(common);
    props.putAll(producer);
    Map<String, String> effective = with(common, producer);
    long linger = longOption(effective, "linger.ms", 5);
    props.put("request.timeout.ms", Long.toString(requestTimeoutMs(effective, deliveryTimeoutMs, linger)));
    props.put("bootstrap.servers", bootstrapServers);
    props.put("client.id", clientIdPrefix + "-" + name);
    props.put("delivery.timeout.ms", Integer.toString(deliveryTimeoutMs));
    props.put("key.serializer", BYTES + "Serializer");
    props.put("value.serializer", BYTES + "Serializer");
    return props;
  }

  /**
   * Properties of a consumer of group {@code groupId}, client id {@code <prefix>-<name>}: as a bridge
   * route's, with at most {@code perSource / 2} records a poll.
   */
  public Map<String, Object> consumerProperties(String groupId, String name, int perSource, int maxPollIntervalMs) {
    Map<String, Object> p = consumerProperties(new BridgeConfig(java.util.List.of(), java.util.List.of(), "x",
        perSource, perSource, 1, 1, maxPollIntervalMs), name);
    p.put("client.id", clientIdPrefix + "-" + name);
    p.put("group.id", groupId);
    return p;
  }

  /** Properties of the consumer of Kafka → RabbitMQ route {@code route}. */
  public Map<String, Object> consumerProperties(BridgeConfig bridge, String route) {
    Map<String, Object> p = new HashMap<>();
    p.put("auto.offset.reset", "earliest");
    p.put("default.api.timeout.ms", "10000");
    p.putAll(common);
    p.putAll(consumer);
    p.put("bootstrap.servers", bootstrapServers);
    p.put("client.id", clientIdPrefix + "-bridge-" + route);
    p.put("group.id", bridge.groupIdPrefix() + "." + route);
    p.put("enable.auto.commit", "false");
    if (!"consumer".equalsIgnoreCase(consumer.getOrDefault("group.protocol", "classic").trim())) {
      // the new protocol (KIP-848) assigns on the broker and refuses a client-side assignor
      p.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    }
    p.put("max.poll.records", Integer.toString(Math.max(1, Math.min(500, bridge.maxInFlightPerSource() / 2))));
    p.put("max.poll.interval.ms", Integer.toString(bridge.maxPollIntervalMs()));
    p.put("key.deserializer", BYTES + "Deserializer");
    p.put("value.deserializer", BYTES + "Deserializer");
    return p;
  }

  /** Properties of the readiness probe's admin client: timeouts within about two probe intervals. */
  public Map<String, String> adminProperties() {
    String timeout = Integer.toString(Math.max(500, Math.min(2000, healthIntervalMs * 2)));
    Map<String, String> p = new HashMap<>();
    p.put("request.timeout.ms", timeout);
    p.put("default.api.timeout.ms", timeout);
    p.put("reconnect.backoff.max.ms", "1000");
    p.putAll(common);
    p.putAll(admin);
    p.put("bootstrap.servers", bootstrapServers);
    p.put("client.id", clientIdPrefix + "-health");
    return p;
  }

  /** The configuration for logs: every secret value shows as {@code [hidden]}. */
  @Override
  public String toString() {
    return "KafkaConfig[bootstrapServers=" + bootstrapServers + ", clientIdPrefix=" + clientIdPrefix
        + ", deliveryTimeoutMs=" + deliveryTimeoutMs + ", healthIntervalMs=" + healthIntervalMs
        + ", common=" + KafkaOptions.redacted(common) + ", producer=" + KafkaOptions.redacted(producer)
        + ", consumer=" + KafkaOptions.redacted(consumer) + ", admin=" + KafkaOptions.redacted(admin) + "]";
  }

  private static Map<String, String> with(Map<String, String> base, Map<String, String> over) {
    Map<String, String> out = new HashMap<>(base);
    out.putAll(over);
    return out;
  }

  private static long requestTimeoutMs(Map<String, String> options, int deliveryMs, long linger) {
    if (options.containsKey("request.timeout.ms")) {
      return longOption(options, "request.timeout.ms", 30_000);
    }
    return Math.max(1, Math.min(30_000, (deliveryMs - linger) / 2));
  }

  private static long longOption(Map<String, String> options, String key, long fallback) {
    String value = options.get(key);
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
