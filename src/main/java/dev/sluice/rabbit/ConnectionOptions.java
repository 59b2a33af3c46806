package dev.sluice.rabbit;

import dev.sluice.config.RabbitConfig;
import dev.sluice.config.RabbitTlsConfig;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.rabbitmq.RabbitMQOptions;

/**
 * The options of every RabbitMQ connection Sluice makes. With an {@code amqps://} URI they switch the
 * Vert.x client's TLS on ({@code ssl}): without it the RabbitMQ client, given the URI alone, encrypts
 * but trusts any certificate. The client then verifies the broker's certificate against {@code
 * rabbitmq.tls.ca-file} (or the JVM's trust store), checks its host name unless {@code
 * rabbitmq.tls.verify-hostname} is false, and presents {@code cert-file}/{@code key-file} when given.
 */
final class ConnectionOptions {

  private ConnectionOptions() {}

  static RabbitMQOptions of(RabbitConfig config, String connectionName) {
    RabbitMQOptions options =
        new RabbitMQOptions()
            .setUri(config.uri())
            .setReconnectAttempts(0)
            .setAutomaticRecoveryEnabled(false)
            .setConnectionTimeout(5000)
            .setHandshakeTimeout(5000)
            .setRequestedHeartbeat(config.heartbeatSeconds())
            .setConnectionName(connectionName);
    if (config.secure()) {
      tls(options, config.tls());
    }
    return options;
  }

  private static void tls(RabbitMQOptions options, RabbitTlsConfig tls) {
    // Vert.x wants the algorithm named ("" = none), but applies it to its own SSLEngines only, not to
    // the RabbitMQ client's sockets: HostnameCheck does the check there
    options.setSsl(true).setTrustAll(false).setHostnameVerificationAlgorithm(tls.verifyHostname() ? "HTTPS" : "");
    TrustOptions cas = tls.caFile() == null ? null : new PemTrustOptions().addCertPath(tls.caFile().toString());
    options.setTrustOptions(tls.verifyHostname() ? new HostnameCheck(cas) : cas);
    if (tls.certFile() != null) {
      options.setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(tls.certFile().toString())
          .setKeyPath(tls.keyFile().toString()));
    }
  }
}
