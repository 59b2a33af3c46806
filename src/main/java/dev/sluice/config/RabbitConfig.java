package dev.sluice.config;

/**
 * The RabbitMQ connection: where it is, how it is secured and how reconnects back off (doubling from
 * the initial delay up to the maximum).
 *
 * @param tls how an {@code amqps://} connection verifies the broker and presents a client
 *     certificate (files only with amqps; null = {@link RabbitTlsConfig#DEFAULT})
 * @param confirmTimeoutMs a publish RabbitMQ has not confirmed this long after it was sent (time
 *     while the broker blocks publishers does not count) is taken as lost with its connection: the
 *     link reconnects and everything unconfirmed is published again
 */
public record RabbitConfig(
    String uri, int reconnectInitialMs, int reconnectMaxMs, int heartbeatSeconds, int confirmTimeoutMs,
    RabbitTlsConfig tls) {

  public RabbitConfig {
    Check.notBlank("rabbitmq.uri", uri);
    if (!uri.startsWith("amqp://") && !uri.startsWith("amqps://")) {
      throw new ConfigException("rabbitmq.uri", "must start with amqp:// or amqps://");
    }
    Check.atLeast("rabbitmq.reconnect-initial-ms", reconnectInitialMs, 10);
    Check.atLeast("rabbitmq.reconnect-max-ms", reconnectMaxMs, reconnectInitialMs);
    Check.atLeast("rabbitmq.heartbeat-seconds", heartbeatSeconds, 0);
    Check.atLeast("rabbitmq.confirm-timeout-ms", confirmTimeoutMs, 1000);
    tls = tls == null ? RabbitTlsConfig.DEFAULT : tls;
    if (tls.filesSet() && !uri.startsWith("amqps://")) {
      throw new ConfigException(tls.caFile() != null ? "rabbitmq.tls.ca-file" : "rabbitmq.tls.cert-file",
          "is set but rabbitmq.uri is not amqps:// (the connection would not use TLS)");
    }
  }

  /** Without TLS settings: an amqps URI verifies against the JVM's trust store, host name checked. */
  public RabbitConfig(
      String uri, int reconnectInitialMs, int reconnectMaxMs, int heartbeatSeconds, int confirmTimeoutMs) {
    this(uri, reconnectInitialMs, reconnectMaxMs, heartbeatSeconds, confirmTimeoutMs, RabbitTlsConfig.DEFAULT);
  }

  /** Whether the connection uses TLS ({@code amqps://}). */
  public boolean secure() {
    return uri.startsWith("amqps://");
  }

  /**
   * The URI with its password replaced, for logs: everything between the user's ':' and the last
   * '@' (a password may hold '/' or '@' that should have been escaped).
   */
  public String redactedUri() {
    int start = uri.indexOf("://") + 3;
    int at = uri.lastIndexOf('@');
    int colon = uri.indexOf(':', start);
    if (at < start || colon < 0 || colon > at) {
      return uri;
    }
    return uri.substring(0, colon) + ":***" + uri.substring(at);
  }

  @Override
  public String toString() {
    return "RabbitConfig[uri=" + redactedUri() + ", reconnectInitialMs=" + reconnectInitialMs
        + ", reconnectMaxMs=" + reconnectMaxMs + ", heartbeatSeconds=" + heartbeatSeconds + ", confirmTimeoutMs=" + confirmTimeoutMs + ", tls=" + tls + "]";
  }
}
