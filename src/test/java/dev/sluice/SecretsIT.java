package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Curl;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.auth.ApiKeys;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Jwts;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets never reach the gateway's output nor its answers: the real artifact runs with known secret
 * values in its configuration (the RabbitMQ and PostgreSQL passwords, Kafka password options, the admin
 * token's hash, a TLS private key), {@code auth.mode: required} with a tenants file (an API key's hash, a
 * JWT public key) and its log at DEBUG (dev.sluice.auth logs refusals there); it is sent the admin token
 * and a wrong one, the valid API key (both headers) and wrong ones, a valid JWT, a forged and an expired
 * one. None of them, no secret part of a key or token and no stored hash appears in its stdout/stderr
 * (its log) or in an answer.
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
  private static final ApiKeys.NewKey API_KEY = ApiKeys.generate(new SecureRandom());
  /** The valid key's id with another secret: the wrong-secret refusal, logged at DEBUG with the id. */
  private static final String WRONG_API_KEY = "sk_" + API_KEY.id() + "_" + ApiKeys.generate(new SecureRandom()).key()
      .substring(ApiKeys.PREFIX.length() + 13);
  private static final String UNKNOWN_API_KEY = ApiKeys.generate(new SecureRandom()).key();

  @Test
  void noSecretReachesTheLogOrAnAnswer() throws Exception {
    TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
    KeyPair rsa = Jwts.rsa();
    Path jwtKey = Files.writeString(dir.resolve("k1.pem"), Jwts.pem(rsa.getPublic()));
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
        .set("http.tls.key-file", pki.serverKey().toString())
        .set("auth.jwt.public-keys", jwtKey.toString())
        .tenants("""
            tenants:
              - name: team-a
                event-types: ["#"]
                api-keys:
                  - client: checkout
                    keys:
                      - { id: %s, sha256: "%s" }
            """.formatted(API_KEY.id(), API_KEY.sha256()));
    String jwt = Jwts.sign("RS256", "k1", rsa.getPrivate(), Jwts.claims("svc-checkout", "team-a", 300, null, null));
    String other = Jwts.sign("RS256", "k1", Jwts.rsa().getPrivate(), Jwts.claims("svc-checkout", "team-a", 300, null, null));
    String forged = jwt.substring(0, jwt.lastIndexOf('.') + 1) + other.substring(other.lastIndexOf('.') + 1);
    String expired = Jwts.sign("RS256", "k1", rsa.getPrivate(), Jwts.claims("svc-checkout", "team-a", -300, null, null));
    List<String> secrets = new ArrayList<>(List.of(RABBIT_PASSWORD, STORE_PASSWORD, JAAS_PASSWORD,
        TRUSTSTORE_PASSWORD, ADMIN_TOKEN, WRONG_ADMIN_TOKEN, adminHash, API_KEY.sha256()));
    for (String key : List.of(API_KEY.key(), WRONG_API_KEY, UNKNOWN_API_KEY)) {
      String secret = key.substring(key.indexOf('_', "sk_".length()) + 1); // sk_<id>_<secret>; base64url has '_' too
      secrets.addAll(List.of(key, secret, secret.substring(0, 8), GatewayConfig.sha256(key)));
    }
    for (String token : List.of(jwt, forged, expired)) {
      String signature = token.substring(token.lastIndexOf('.') + 1);
      secrets.addAll(List.of(token, signature, signature.substring(0, 8)));
    }
    Files.readString(pki.serverKey()).lines().filter(l -> !l.startsWith("-----")).forEach(secrets::add);

    List<String> answers = new ArrayList<>();
    try (Http http = new Http(Duration.ofSeconds(10), ADMIN_TOKEN);
        GatewayProcess g = GatewayProcess.start(config, GatewayProcess.options().env("SLUICE_LOG_LEVEL", "DEBUG"),
            http, Duration.ofSeconds(60))) {
      Http.Reply wrong = http.get(g.adminUri("/metrics"), "Authorization", "Bearer " + WRONG_ADMIN_TOKEN);
      assertThat(wrong.status()).isEqualTo(401);
      answers.add(wrong.text() + wrong.headers().map());
      Http.Reply right = http.get(g.adminUri("/metrics"));
      assertThat(right.status()).isEqualTo(200);
      String events = "https://127.0.0.1:" + config.httpPort() + "/v1/events";
      String body = Envelopes.envelope(Envelopes.newId(), "secret.checked");
      for (String[] header : new String[][] {{"Authorization", "Bearer " + API_KEY.key()},
          {"X-API-Key", API_KEY.key()}, {"Authorization", "Bearer " + jwt}}) {
        answers.add(post(pki, events, header, body, "202"));
        answers.add(post(pki, events, header, "{not json", "4"));
      }
      for (String[] header : new String[][] {{"Authorization", "Bearer " + WRONG_API_KEY},
          {"X-API-Key", WRONG_API_KEY}, {"X-API-Key", UNKNOWN_API_KEY}, {"Authorization", "Bearer " + forged},
          {"Authorization", "Bearer " + expired}, {"Authorization", "Basic " + API_KEY.key()}}) {
        answers.add(post(pki, events, header, body, "401"));
        assertThat(answers.getLast()).contains("SLC-14");
      }
      g.sigterm();
      assertThat(g.waitForExit(Duration.ofSeconds(30))).hasValue(0);
      String log = g.logText();
      assertThat(log).contains("Configuration:").contains("[hidden]").contains("sluice:***@")
          .as("dev.sluice.auth logged at DEBUG").contains("API key " + API_KEY.id() + " refused (wrong secret)");
      for (String secret : secrets) {
        assertThat(log).as("the log holds a secret").doesNotContain(secret);
        for (String answer : answers) {
          assertThat(answer).as("an answer holds a secret").doesNotContain(secret);
        }
      }
    }
  }

  /** curl POST over TLS with one header; the answer (headers and body), its status starting with {@code status}. */
  private static String post(TestPki pki, String events, String[] header, String body, String status)
      throws Exception {
    Curl c = Curl.run("--cacert", pki.caCert().toString(), "-i", "-H", header[0] + ": " + header[1], "-H",
        "Content-Type: application/json", "--data", body, events);
    assertThat(c.exit()).as(c.out()).isZero();
    assertThat(c.status()).as(header[0] + ": " + c.out()).startsWith(status);
    return c.out();
  }
}
