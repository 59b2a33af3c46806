package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testsupport.SelfSignedCert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rabbitmq.tls.*}: files checked at start, named in errors, never quoted. */
class RabbitTlsConfigTest {

  @TempDir static Path dir;
  private static SelfSignedCert cert;

  @BeforeAll
  static void files() {
    cert = SelfSignedCert.create(dir);
  }

  @Test
  void defaultsVerifyAgainstTheJvmTrustStoreWithHostnames() {
    SluiceConfig config = ConfigLoader.load((Path) null, Map.of("SLUICE_RABBITMQ_URI", "amqps://h:5671"));
    assertThat(config.rabbitmq().tls()).isEqualTo(RabbitTlsConfig.DEFAULT);
    assertThat(config.rabbitmq().tls().verifyHostname()).isTrue();
    assertThat(config.rabbitmq().secure()).isTrue();
  }

  @Test
  void loadsTheFilesFromTheEnvironmentAndPrintsOnlyTheirNames() throws IOException {
    SluiceConfig config = ConfigLoader.load((Path) null, Map.of(
        "SLUICE_RABBITMQ_URI", "amqps://u:pw@h:5671",
        "SLUICE_RABBITMQ_TLS_CA_FILE", cert.certPem().toString(),
        "SLUICE_RABBITMQ_TLS_CERT_FILE", cert.certPem().toString(),
        "SLUICE_RABBITMQ_TLS_KEY_FILE", cert.keyPem().toString(),
        "SLUICE_RABBITMQ_TLS_VERIFY_HOSTNAME", "false"));
    RabbitTlsConfig tls = config.rabbitmq().tls();
    assertThat(tls).isEqualTo(new RabbitTlsConfig(cert.certPem(), cert.certPem(), cert.keyPem(), false));
    String printed = ConfigLoader.describe(config);
    assertThat(printed).contains(cert.keyPem().toString()).contains("verifyHostname=false");
    assertThat(printed).doesNotContain(body(cert.keyPem())).doesNotContain("pw@");
  }

  @Test
  void filesWithAPlainUriStopStartUp() {
    assertThatThrownBy(() -> new RabbitConfig("amqp://h:5672", 10, 100, 0, 1000,
        new RabbitTlsConfig(cert.certPem(), null, null, true)))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rabbitmq.tls.ca-file: ")
        .hasMessageContaining("not amqps://");
  }

  @Test
  void aMissingOrWrongCaFileIsNamed() throws IOException {
    assertThatThrownBy(() -> RabbitTlsConfig.of(dir.resolve("nope.pem").toString(), "", "", true))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rabbitmq.tls.ca-file: ")
        .hasMessageContaining("not a readable file");
    Path text = Files.writeString(dir.resolve("text.pem"), "hello\n");
    assertThatThrownBy(() -> RabbitTlsConfig.of(text.toString(), "", "", true))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rabbitmq.tls.ca-file: ")
        .hasMessageContaining("no readable PEM certificate");
  }

  @Test
  void aCertificateNeedsItsKeyAndTheOtherWayRound() {
    assertThatThrownBy(() -> RabbitTlsConfig.of("", cert.certPem().toString(), "", true))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rabbitmq.tls.key-file: is required when rabbitmq.tls.cert-file is set");
    assertThatThrownBy(() -> RabbitTlsConfig.of("", "", cert.keyPem().toString(), true))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rabbitmq.tls.cert-file: is required when rabbitmq.tls.key-file is set");
  }

  @Test
  void aBadKeyFileIsNamedButNeverQuoted() throws IOException {
    String secretish = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
    Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), secretish + "\n");
    assertThatThrownBy(() -> RabbitTlsConfig.of("", cert.certPem().toString(), notAKey.toString(), true))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rabbitmq.tls.key-file: ")
        .hasMessageContaining("no PEM private key").hasMessageNotContaining(secretish);
    Path encrypted = Files.writeString(dir.resolve("encrypted.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + secretish + "\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> RabbitTlsConfig.of("", cert.certPem().toString(), encrypted.toString(), true))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rabbitmq.tls.key-file: ")
        .hasMessageContaining("encrypted").hasMessageNotContaining(secretish);
    // a certificate given as the key
    assertThatThrownBy(() -> RabbitTlsConfig.of("", cert.certPem().toString(), cert.certPem().toString(), true))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rabbitmq.tls.key-file: ");
  }

  /** The base64 of a PEM file's first block (what must never be printed). */
  private static String body(Path pem) throws IOException {
    String[] lines = Files.readString(pem).split("\n");
    return lines[1];
  }
}
