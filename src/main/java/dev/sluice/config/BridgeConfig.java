package dev.sluice.config;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Kafka ⇄ RabbitMQ bridge: its routes (from the file named by {@code bridge.file}; none = the
 * bridge is off) and the consumer pool's bounds.
 *
 * @param groupIdPrefix Kafka consumer group of a route: prefix + "." + route name
 * @param maxInFlight process-wide bound on records/deliveries taken and not yet done; at least the
 *     RabbitMQ prefetch of every RabbitMQ → Kafka queue ({@code maxInFlightPerSource} each)
 * @param maxInFlightPerSource bound per Kafka partition (pause at it, resume at half) and the
 *     RabbitMQ prefetch per queue
 * @param maxConcurrentKeys keys processed at once per route (one record per key at a time)
 * @param maxHops a message that already crossed this many bridges is not bridged again
 */
public record BridgeConfig(
    List<KafkaToRabbit> kafkaToRabbit,
    List<RabbitToKafka> rabbitToKafka,
    String groupIdPrefix,
    int maxInFlight,
    int maxInFlightPerSource,
    int maxConcurrentKeys,
    int maxHops,
    int maxPollIntervalMs) {

  /**
   * Kafka topics → a RabbitMQ exchange; the routing key is a template over Kafka headers. A record
   * RabbitMQ cannot take for good goes to the Kafka topic {@code deadLetter} (default {@code
   * <name>.dlq}; not one of the route's topics).
   */
  public record KafkaToRabbit(String name, List<String> topics, String exchange, String routingKey,
      String deadLetter) {

    /** A route with the default dead-letter topic {@code <name>.dlq}. */
    public KafkaToRabbit(String name, List<String> topics, String exchange, String routingKey) {
      this(name, topics, exchange, routingKey, null);
    }

    public KafkaToRabbit {
      Check.notBlank("bridge routes: kafka-to-rabbitmq[].name", name);
      String at = "bridge routes: kafka-to-rabbitmq[" + name + "]";
      if (topics == null || topics.isEmpty()) {
        throw new ConfigException(at + ".topics", "must list at least one topic");
      }
      topics = List.copyOf(topics);
      for (String t : topics) {
        if (!t.matches("[A-Za-z0-9._-]{1,249}")) {
          throw new ConfigException(at + ".topics", "'" + t + "' is not a valid Kafka topic name");
        }
      }
      if (exchange == null) {
        throw new ConfigException(at + ".exchange", "is required (\"\" is the default exchange)");
      }
      if (exchange.getBytes(StandardCharsets.UTF_8).length > 255) {
        throw new ConfigException(at + ".exchange", "is longer than RabbitMQ's 255 bytes");
      }
      Check.notBlank(at + ".routing-key", routingKey);
      int open = 0;
      for (char c : routingKey.toCharArray()) {
        open += c == '{' ? 1 : c == '}' ? -1 : 0;
        if (open < 0 || open > 1) {
          throw new ConfigException(at + ".routing-key", "'" + routingKey + "' has unbalanced braces");
        }
      }
      if (open != 0) {
        throw new ConfigException(at + ".routing-key", "'" + routingKey + "' has unbalanced braces");
      }
      if (routingKey.replaceAll("\\{[^}]*}", "").getBytes(StandardCharsets.UTF_8).length > 255) {
        throw new ConfigException(at + ".routing-key", "has more than 255 bytes of text besides its placeholders "
            + "(a RabbitMQ routing key holds 255)");
      }
      if (deadLetter == null || deadLetter.isBlank()) {
        deadLetter = name + ".dlq";
      }
      if (!validTopic(deadLetter)) {
        throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "' is not a valid Kafka topic name");
      }
      if (topics.contains(deadLetter)) {
        throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "' is also a source topic of the route");
      }
    }
  }

  /**
   * RabbitMQ queues → a Kafka topic; the key comes from {@code header:<name>} or {@code
   * property:<message-id|correlation-id|type|routing-key>} (absent: no key). A message Kafka refuses
   * for good goes to the RabbitMQ exchange {@code deadLetter} (default {@code <name>.dlq}), which the
   * route declares (durable, fanout) with a durable queue of the same name bound to it.
   */
  public record RabbitToKafka(String name, List<String> queues, String topic, String key, String deadLetter) {

    /** A route with the default dead-letter exchange {@code <name>.dlq}. */
    public RabbitToKafka(String name, List<String> queues, String topic, String key) {
      this(name, queues, topic, key, null);
    }

    public RabbitToKafka {
      Check.notBlank("bridge routes: rabbitmq-to-kafka[].name", name);
      String at = "bridge routes: rabbitmq-to-kafka[" + name + "]";
      if (queues == null || queues.isEmpty()) {
        throw new ConfigException(at + ".queues", "must list at least one queue");
      }
      queues = List.copyOf(queues);
      Check.notBlank(at + ".topic", topic);
      if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
        throw new ConfigException(at + ".topic", "'" + topic + "' is not a valid Kafka topic name");
      }
      if (key == null || key.isBlank()) {
        key = "header:kafka-key";
      }
      if (!key.matches("header:.+|property:(message-id|correlation-id|type|routing-key)")) {
        throw new ConfigException(
            at + ".key",
            "'" + key + "' must be header:<name> or property:message-id|correlation-id|type|routing-key");
      }
      if (deadLetter == null || deadLetter.isBlank()) {
        deadLetter = name + ".dlq";
      }
      if (deadLetter.getBytes(StandardCharsets.UTF_8).length > 255) {
        throw new ConfigException(at + ".dead-letter", "is longer than RabbitMQ's 255 bytes");
      }
      if (deadLetter.startsWith("amq.")) {
        throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "': names starting with 'amq.' are "
            + "RabbitMQ's own; the route declares its dead-letter exchange and queue");
      }
      if (queues.contains(deadLetter)) {
        throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "' is also a source queue of the route "
            + "(the dead-letter exchange gets a queue of its name)");
      }
    }
  }

  private static boolean validTopic(String t) {
    return t.matches("[A-Za-z0-9._-]{1,249}") && !t.equals(".") && !t.equals("..");
  }

  public BridgeConfig {
    kafkaToRabbit = List.copyOf(kafkaToRabbit);
    rabbitToKafka = List.copyOf(rabbitToKafka);
    Check.notBlank("bridge.group-id-prefix", groupIdPrefix);
    Check.atLeast("bridge.max-in-flight", maxInFlight, 1);
    Check.atLeast("bridge.max-in-flight-per-source", maxInFlightPerSource, 2);
    if (maxInFlightPerSource > 65535) {
      throw new ConfigException(
          "bridge.max-in-flight-per-source", "must be <= 65535 (it is the RabbitMQ prefetch)");
    }
    Check.atLeast("bridge.max-concurrent-keys", maxConcurrentKeys, 1);
    Check.atLeast("bridge.max-hops", maxHops, 1);
    Check.atLeast("bridge.max-poll-interval-ms", maxPollIntervalMs, 1000);
    // a RabbitMQ -> Kafka queue holds up to its prefetch unacknowledged, whatever the other routes do
    long queues = rabbitToKafka.stream().mapToLong(r -> r.queues().size()).sum();
    if (queues * maxInFlightPerSource > maxInFlight) {
      throw new ConfigException("bridge.max-in-flight", maxInFlight + " is less than what the RabbitMQ -> Kafka "
          + "routes may take: " + queues + " queues × bridge.max-in-flight-per-source " + maxInFlightPerSource
          + " = " + queues * maxInFlightPerSource + " (the prefetch of each queue); raise bridge.max-in-flight or "
          + "lower bridge.max-in-flight-per-source");
    }
    Set<String> names = new HashSet<>();
    for (KafkaToRabbit r : kafkaToRabbit) {
      if (!names.add(r.name())) {
        throw new ConfigException("bridge routes: " + r.name(), "route names must be unique");
      }
    }
    for (RabbitToKafka r : rabbitToKafka) {
      if (!names.add(r.name())) {
        throw new ConfigException("bridge routes: " + r.name(), "route names must be unique");
      }
    }
  }

  /** True when at least one route is configured. */
  public boolean enabled() {
    return !kafkaToRabbit.isEmpty() || !rabbitToKafka.isEmpty();
  }
}
