package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RabbitConfig;
import dev.sluice.config.RabbitTlsConfig;
import dev.sluice.testsupport.SelfSignedCert;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.rabbitmq.RabbitMQOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which TLS options a RabbitMQ connection gets (RabbitTlsIT shows what they do on a real broker). */
class ConnectionOptionsTest {

  @TempDir Path dir;

  @Test
  void plainAmqpHasNoTls() {
    RabbitMQOptions options = ConnectionOptions.of(new RabbitConfig("amqp://h:5672", 10, 100, 0, 1000), "c");
    assertThat(options.isSsl()).isFalse();
    assertThat(options.getTrustOptions()).isNull();
  }

  @Test
  void amqpsVerifiesTheBrokerEvenWithoutFiles() {
    RabbitMQOptions options = ConnectionOptions.of(new RabbitConfig("amqps://h:5671", 10, 100, 0, 1000), "c");
    assertThat(options.isSsl()).isTrue();
    assertThat(options.isTrustAll()).isFalse();
    assertThat(options.getTrustOptions()).isInstanceOf(HostnameCheck.class);
    assertThat(options.getKeyCertOptions()).isNull();
  }

  @Test
  void amqpsTakesTheCaAndTheClientCertificate() {
    SelfSignedCert cert = SelfSignedCert.create(dir);
    RabbitTlsConfig tls = new RabbitTlsConfig(cert.certPem(), cert.certPem(), cert.keyPem(), false);
    RabbitMQOptions options = ConnectionOptions.of(new RabbitConfig("amqps://h:5671", 10, 100, 0, 1000, tls), "c");
    assertThat(options.isSsl()).isTrue();
    assertThat(options.getTrustOptions()).isInstanceOfSatisfying(PemTrustOptions.class,
        t -> assertThat(t.getCertPaths()).containsExactly(cert.certPem().toString()));
    assertThat(options.getKeyCertOptions()).isInstanceOfSatisfying(PemKeyCertOptions.class, k -> {
      assertThat(k.getCertPaths()).containsExactly(cert.certPem().toString());
      assertThat(k.getKeyPaths()).containsExactly(cert.keyPem().toString());
    });
  }
}
