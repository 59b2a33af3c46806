package dev.sluice.config;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Subscriptions: the consumer pool delivering events to services. Their list comes from the file named
 * by {@code subscriptions.file} (none = no subscription).
 *
 * @param groupIdPrefix Kafka consumer group of a subscription: prefix + "." + its name
 * @param maxInFlightPerSource records taken and not done per Kafka partition (pause at it, resume at
 *     half), and the RabbitMQ prefetch of a queue source
 * @param processedTtlMs how long a processed event is remembered (the idempotent consumer's window)
 * @param sweepIntervalMs how often expired processed rows are deleted
 * @param sweepBatch rows deleted per statement of a sweep
 * @param replayRate dead letters replayed per second at most, per subscription
 * @param replayBatch dead letters read from the store at once by a replay
 */
public record SubscriptionsConfig(
    List<Subscription> subscriptions,
    String groupIdPrefix,
    int maxInFlightPerSource,
    long processedTtlMs,
    long sweepIntervalMs,
    int sweepBatch,
    int replayRate,
    int replayBatch) {

  /** The prefix of the keys in the subscriptions file. */
  static final String AT = "subscriptions";

  /**
   * One subscription.
   *
   * @param name how metrics, the log, the consumer group and the dead-letter tools name it
   * @param topics Kafka topics to read (or none when {@code queue} is set)
   * @param queue a RabbitMQ queue to read (or null when {@code topics} are set)
   * @param eventTypes patterns of the event types to deliver (as in routes: {@code *} one segment, {@code
   *     #} any); empty = all. Others are skipped (done without delivery).
   * @param sink where to deliver
   * @param concurrency deliveries in progress at once
   * @param ordered one delivery per key at a time, in the order read (false: keys are ignored)
   * @param timeoutMs the deadline of each delivery
   * @param retry how failed deliveries are tried again
   * @param deadLetter the dead-letter target: a Kafka topic (topic sources; default {@code <name>.dlq}) or
   *     a RabbitMQ exchange (queue sources; default {@code <name>.dlq}, declared with a queue of the same
   *     name bound to it)
   * @param idempotent skip events this subscription already delivered (recorded in PostgreSQL)
   * @param breaker the sink's circuit breaker
   */
  public record Subscription(
      String name,
      List<String> topics,
      String queue,
      List<String> eventTypes,
      SinkConfig sink,
      int concurrency,
      boolean ordered,
      int timeoutMs,
      RetryPolicy retry,
      String deadLetter,
      boolean idempotent,
      BreakerConfig breaker) {

    public Subscription {
      at(name);
      String at = at(name);
      topics = topics == null ? List.of() : List.copyOf(topics);
      eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
      if (topics.isEmpty() == (queue == null || queue.isBlank())) {
        throw new ConfigException(at + ".source", "must name either topics (Kafka) or a queue (RabbitMQ)");
      }
      for (String t : topics) {
        topic(at + ".source.topics", t);
      }
      for (String p : eventTypes) {
        if (p.isBlank() || p.contains("..") || p.startsWith(".") || p.endsWith(".")) {
          throw new ConfigException(at + ".event-types", "'" + p + "' is not a dotted pattern (e.g. order.* or order.#)");
        }
      }
      if (sink == null) {
        throw new ConfigException(at + ".sink", "is required: http, grpc or bus");
      }
      Check.atLeast(at + ".concurrency", concurrency, 1);
      Check.atLeast(at + ".timeout-ms", timeoutMs, 10);
      if (retry == null) {
        throw new ConfigException(at + ".retry", "is required");
      }
      if (deadLetter == null || deadLetter.isBlank()) {
        deadLetter = name + ".dlq";
      }
      if (queue == null) {
        topic(at + ".dead-letter", deadLetter);
        if (topics.contains(deadLetter)) {
          throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "' is also a source topic");
        }
      } else {
        if (deadLetter.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255 || deadLetter.startsWith("amq.")) {
          throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "' cannot be a RabbitMQ exchange (at most "
              + "255 bytes, not amq.*)");
        }
        if (deadLetter.equals(queue)) {
          throw new ConfigException(at + ".dead-letter", "'" + deadLetter + "' is the source queue (the dead-letter "
              + "exchange gets a queue of its own name)");
        }
      }
    }

    /** Whether it reads a RabbitMQ queue (else Kafka topics). */
    public boolean fromQueue() {
      return queue != null;
    }

    /** The dead-letter target as the tools show it: {@code kafka:<topic>} or {@code rabbitmq:<exchange>}. */
    public String deadLetterTarget() {
      return (fromQueue() ? "rabbitmq:" : "kafka:") + deadLetter;
    }

    private static String at(String name) {
      if (name == null || !name.matches("[a-z0-9][a-z0-9._-]{0,99}")) {
        throw new ConfigException(AT + "[].name", "must be lower-case letters, digits, '.', '_' or '-' (at most 100,"
            + " starting with a letter or digit), got '" + name + "'");
      }
      return AT + "[" + name + "]";
    }

    private static void topic(String key, String t) {
      if (t == null || !t.matches("[A-Za-z0-9._-]{1,249}") || t.equals(".") || t.equals("..")) {
        throw new ConfigException(key, "'" + t + "' is not a valid Kafka topic name");
      }
    }
  }

  /**
   * Where a subscription delivers: exactly one of an HTTP(S) URL (POST), a gRPC {@code EventDelivery}
   * service ({@code grpc://host:port} or {@code grpcs://host:port}) or an event-bus address.
   */
  public record SinkConfig(URI http, URI grpc, String bus) {

    public SinkConfig {
      int set = (http != null ? 1 : 0) + (grpc != null ? 1 : 0) + (bus != null ? 1 : 0);
      if (set != 1) {
        throw new ConfigException(AT + "[].sink", "must have exactly one of http, grpc, bus");
      }
      if (http != null && (!List.of("http", "https").contains(String.valueOf(http.getScheme()))
          || http.getHost() == null)) {
        throw new ConfigException(AT + "[].sink.http", "must be an http:// or https:// URL, got '" + http + "'");
      }
      if (grpc != null && (!List.of("grpc", "grpcs").contains(String.valueOf(grpc.getScheme()))
          || grpc.getHost() == null || grpc.getPort() < 1)) {
        throw new ConfigException(AT + "[].sink.grpc", "must be grpc://host:port or grpcs://host:port, got '" + grpc + "'");
      }
      if (bus != null && bus.isBlank()) {
        throw new ConfigException(AT + "[].sink.bus", "must be an event-bus address");
      }
    }

    /** How the log, metrics and breaker name it. */
    public String describe() {
      return http != null ? http.toString() : grpc != null ? grpc.toString() : "bus:" + bus;
    }
  }

  /**
   * Exponential back-off with full jitter: attempt n (1-based) failed → wait a random time in [0,
   * min(maxDelayMs, initialMs × multiplier^(n-1))], or what the sink's {@code Retry-After} asked for (up
   * to {@code retryAfterCapMs}) when it is longer. After {@code maxAttempts} attempts the event is
   * dead-lettered.
   */
  public record RetryPolicy(int initialMs, double multiplier, int maxDelayMs, int maxAttempts, int retryAfterCapMs) {

    public RetryPolicy {
      Check.atLeast("retry.initial-ms", initialMs, 1);
      if (!(multiplier >= 1.0) || multiplier > 100) {
        throw new ConfigException("retry.multiplier", "must be between 1 and 100, got " + multiplier);
      }
      Check.atLeast("retry.max-delay-ms", maxDelayMs, initialMs);
      Check.atLeast("retry.max-attempts", maxAttempts, 1);
      Check.atLeast("retry.retry-after-cap-ms", retryAfterCapMs, 0);
    }
  }

  public SubscriptionsConfig {
    subscriptions = List.copyOf(subscriptions);
    Check.notBlank("subscriptions.group-id-prefix", groupIdPrefix);
    Check.atLeast("subscriptions.max-in-flight-per-source", maxInFlightPerSource, 2);
    if (maxInFlightPerSource > 65535) {
      throw new ConfigException("subscriptions.max-in-flight-per-source", "must be <= 65535 (it is the RabbitMQ prefetch)");
    }
    Check.atLeast("subscriptions.processed-ttl-ms", processedTtlMs, 1000);
    Check.atLeast("subscriptions.sweep-interval-ms", sweepIntervalMs, 100);
    Check.atLeast("subscriptions.sweep-batch", sweepBatch, 1);
    Check.atLeast("subscriptions.replay-rate", replayRate, 1);
    Check.atLeast("subscriptions.replay-batch", replayBatch, 1);
    Set<String> names = new HashSet<>();
    for (Subscription s : subscriptions) {
      if (!names.add(s.name())) {
        throw new ConfigException(AT + "[" + s.name() + "]", "subscription names must be unique");
      }
    }
  }

  public boolean enabled() {
    return !subscriptions.isEmpty();
  }
}
