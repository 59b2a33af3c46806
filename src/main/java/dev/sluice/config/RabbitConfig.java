package dev.sluice.config;

/**
 * The RabbitMQ connection: where it is and how reconnects back off (doubling from the initial delay
 * up to the maximum).
 */
public record RabbitConfig(String uri, int reconnectInitialMs, int reconnectMaxMs, int heartbeatSeconds) {

  public RabbitConfig {
    Check.notBlank("rabbitmq.uri", uri);
    if (!uri.startsWith("amqp://") && !uri.startsWith("amqps://")) {
      throw new ConfigException("rabbitmq.uri", "must start with amqp:// or amqps://");
    }
    Check.atLeast("rabbitmq.reconnect-initial-ms", reconnectInitialMs, 10);
    Check.atLeast("rabbitmq.reconnect-max-ms", reconnectMaxMs, reconnectInitialMs);
    Check.atLeast("rabbitmq.heartbeat-seconds", heartbeatSeconds, 0);
  }

  /** The URI with its password replaced, for logs. */
  public String redactedUri() {
    return uri.replaceFirst("://([^:@/]*):[^@/]*@", "://$1:***@");
  }

  @Override
  public String toString() {
    return "RabbitConfig[uri=" + redactedUri() + ", reconnectInitialMs=" + reconnectInitialMs
        + ", reconnectMaxMs=" + reconnectMaxMs + ", heartbeatSeconds=" + heartbeatSeconds + "]";
  }
}
