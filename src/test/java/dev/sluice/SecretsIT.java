package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Curl;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets never reach the gateway's output nor its answers: the real artifact runs with known secret
 * values in its configuration (the RabbitMQ and PostgreSQL passwords, Kafka password options, the admin
 * token's hash, a TLS private key) and is sent a wrong admin token, an API key and a JWT; none of them
 * appears in its stdout/stderr (its log) or in a body it answered.
 */
class SecretsIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @TempDir Path dir;

  private static final String RABBIT_PASSWORD = "RabbitPw-7c1e0b";
  private static final String STORE_PASSWORD = "StorePw-93ab4d";
  private static final String JAAS_PASSWORD = "KafkaJaasPw-51d2aa";
  private static final String TRUSTSTORE_PASSWORD = "TrustStorePw-e04f7c";
  private static final String ADMIN_TOKEN = "AdminTok-0f8e2d9c4b";
  private static final String WRONG_ADMIN_TOKEN = "WrongAdminTok-6a1b3c";
  private static final String API_KEY = "sk_3f9a1c2b7d4e_qk3Vb2m9Xc7LpT4sN8wYz1aR5dF0gH6jK2lM3nB4vC5";
  private static final String JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.SigNaTuRe-8d7c6b5a";

  @Test
  void noSecretReachesTheLogOrAnAnswer() throws Exception {
    TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("secrets"), 1);
    String adminHash = GatewayConfig.sha256(ADMIN_TOKEN);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", topic)
        .set("rabbitmq.uri", "amqp://sluice:" + RABBIT_PASSWORD + "@127.0.0.1:1/vh")
        .set("store.uri", "postgresql://sluice:" + STORE_PASSWORD + "@127.0.0.1:1/sluice")
        .set("kafka.common.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"sluice\" password=\"" + JAAS_PASSWORD + "\";")
        .set("kafka.common.ssl.truststore.password", TRUSTSTORE_PASSWORD)
        .set("admin.token-sha256", adminHash)
        .set("http.tls.enabled", true)
        .set("http.tls.cert-file", pki.serverCert().toString())
        .set("http.tls.key-file", pki.serverKey().toString());
    List<String> secrets = new ArrayList<>(List.of(RABBIT_PASSWORD, STORE_PASSWORD, JAAS_PASSWORD,
        TRUSTSTORE_PASSWORD, ADMIN_TOKEN, WRONG_ADMIN_TOKEN, adminHash, API_KEY, JWT,
        API_KEY.substring(API_KEY.lastIndexOf('_') + 1), JWT.substring(JWT.lastIndexOf('.') + 1)));
    Files.readString(pki.serverKey()).lines().filter(l -> !l.startsWith("-----")).forEach(secrets::add);

    List<String> answers = new ArrayList<>();
    try (Http http = new Http(Duration.ofSeconds(10), ADMIN_TOKEN);
        GatewayProcess g = GatewayProcess.start(config, GatewayProcess.options(), http, Duration.ofSeconds(60))) {
      Http.Reply wrong = http.get(g.adminUri("/metrics"), "Authorization", "Bearer " + WRONG_ADMIN_TOKEN);
      assertThat(wrong.status()).isEqualTo(401);
      answers.add(wrong.text() + wrong.headers().map());
      Http.Reply right = http.get(g.adminUri("/metrics"));
      assertThat(right.status()).isEqualTo(200);
      String events = "https://127.0.0.1:" + config.httpPort() + "/v1/events";
      String body = Envelopes.envelope(Envelopes.newId(), "secret.checked");
      for (String[] header : new String[][] {{"Authorization", "Bearer " + API_KEY}, {"X-API-Key", API_KEY},
          {"Authorization", "Bearer " + JWT}}) {
        Curl c = Curl.run("--cacert", pki.caCert().toString(), "-i", "-H", header[0] + ": " + header[1], "-H",
            "Content-Type: application/json", "--data", body, events);
        assertThat(c.exit()).as(c.out()).isZero();
        answers.add(c.out());
        Curl bad = Curl.run("--cacert", pki.caCert().toString(), "-i", "-H", header[0] + ": " + header[1], "-H",
            "Content-Type: application/json", "--data", "{not json", events);
        assertThat(bad.status()).as(bad.out()).startsWith("4");
        answers.add(bad.out());
      }
      g.sigterm();
      assertThat(g.waitForExit(Duration.ofSeconds(30))).hasValue(0);
      String log = g.logText();
      assertThat(log).contains("Configuration:").contains("[hidden]").contains("sluice:***@");
      for (String secret : secrets) {
        assertThat(log).as("the log holds a secret").doesNotContain(secret);
        for (String answer : answers) {
          assertThat(answer).as("an answer holds a secret").doesNotContain(secret);
        }
      }
    }
  }
}
