package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Curl;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.StreamClient;
import dev.sluice.testsupport.TestGateway;
import dev.sluice.testsupport.TestPki;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the listeners, seen by the real {@code curl}: gateway {@code open} has TLS on ingest and admin
 * without client certificates; gateway {@code mutual} requires ingest clients to present a certificate
 * of the configured CA (in {@code auth.mode: none}: the handshake alone decides).
 */
class TlsIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @TempDir static Path dir;

  private static TestPki pki;
  private static String topic;
  private static GatewayConfig openConfig;
  private static GatewayConfig mutualConfig;
  private static TestGateway open;
  private static TestGateway mutual;

  @BeforeAll
  static void start() throws Exception {
    pki = TestPki.create(dir);
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("tls"), 1);
    openConfig = tls(GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", topic), "none");
    open = TestGateway.start(openConfig);
    mutualConfig = tls(GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", topic), "required")
        .set("http.tls.client-ca-file", pki.caCert().toString());
    mutual = TestGateway.start(mutualConfig);
    for (GatewayConfig c : List.of(openConfig, mutualConfig)) {
      Awaitility.await("ready over TLS").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> Curl.run("--cacert", pki.caCert().toString(), https(c.adminPort(), "/health/ready")).out()
              .endsWith("200"));
    }
  }

  private static GatewayConfig tls(GatewayConfig c, String clientAuth) {
    for (String listener : List.of("http", "admin")) {
      c.set(listener + ".tls.enabled", true)
          .set(listener + ".tls.cert-file", pki.serverCert().toString())
          .set(listener + ".tls.key-file", pki.serverKey().toString());
    }
    return c.set("http.tls.client-auth", clientAuth);
  }

  @AfterAll
  static void stop() throws Exception {
    for (TestGateway g : new TestGateway[] {open, mutual}) {
      if (g != null) {
        g.close();
      }
    }
  }

  private static String https(int port, String path) {
    return "https://127.0.0.1:" + port + path;
  }

  private static String[] post(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-H", "Content-Type: application/json", "--data",
        Envelopes.envelope(Envelopes.newId(), "tls.checked")));
    return all.toArray(new String[0]);
  }

  @Test
  void ingestAndAdminAnswerOverTlsToCurlWithTheCa() throws Exception {
    String ca = pki.caCert().toString();
    Curl ingest = Curl.run(post("--cacert", ca, https(openConfig.httpPort(), "/v1/events")));
    assertThat(ingest.exit()).as(ingest.out()).isZero();
    assertThat(ingest.out()).endsWith("202");
    assertThat(Curl.run("--cacert", ca, https(openConfig.adminPort(), "/health/live")).out()).endsWith("200");
    assertThat(Curl.run("--cacert", ca, "-H", "Authorization: Bearer " + GatewayConfig.ADMIN_TOKEN,
        https(openConfig.adminPort(), "/metrics")).out()).contains("sluice_").endsWith("200");
    Curl untrusted = Curl.run(https(openConfig.adminPort(), "/health/live")); // the system CAs do not know ours
    assertThat(untrusted.exit()).as(untrusted.out()).isEqualTo(60);
  }

  @Test
  void negotiatesHttp2ForGrpcAndAllowsOnlyTls12And13() throws Exception {
    String ca = pki.caCert().toString();
    Curl h2 = Curl.run("--cacert", ca, "--http2", "-o", "/dev/null", "-w", "%{http_version}",
        https(openConfig.httpPort(), "/health/live"));
    assertThat(h2.out()).as("ALPN h2 on the ingest port").startsWith("2");
    Curl tls11 = Curl.run("--cacert", ca, "--tlsv1.1", "--tls-max", "1.1", https(openConfig.httpPort(), "/v1/events"));
    assertThat(tls11.exit()).as(tls11.out()).isNotZero();
    assertThat(Curl.run("--cacert", ca, "--tlsv1.2", "--tls-max", "1.2", https(openConfig.adminPort(), "/health/live"))
        .out()).endsWith("200");
  }

  @Test
  void plainHttpToATlsPortGetsNoAnswer() throws Exception {
    for (int port : new int[] {openConfig.httpPort(), openConfig.adminPort()}) {
      Curl plain = Curl.run("http://127.0.0.1:" + port + "/health/live");
      assertThat(plain.exit()).as(plain.out()).isNotZero();
      assertThat(plain.out()).doesNotContain("UP");
    }
  }

  @Test
  void theStreamRunsOverWss() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (StreamClient stream = StreamClient.connect(vertx,
        URI.create("wss://127.0.0.1:" + openConfig.httpPort() + "/v1/stream"), StreamClient.defaultOptions()
            .setSsl(true).setTrustOptions(new PemTrustOptions().addCertPath(pki.caCert().toString())))) {
      assertThat(stream.hello().getString("type")).isEqualTo("hello");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void requiredClientCertificatesRefuseUnknownOnesAtTheHandshake() throws Exception {
    String ca = pki.caCert().toString();
    String events = https(mutualConfig.httpPort(), "/v1/events");
    Curl none = Curl.run(post("--cacert", ca, events));
    assertThat(none.exit()).as(none.out()).isNotZero();
    assertThat(none.out()).doesNotEndWith("202");
    Curl stranger = Curl.run(post("--cacert", ca, "--cert", pki.strangerCert().toString(), "--key",
        pki.strangerKey().toString(), events));
    assertThat(stranger.exit()).as(stranger.out()).isNotZero();
    assertThat(stranger.out()).doesNotEndWith("202");
    Curl known = Curl.run(post("--cacert", ca, "--cert", pki.clientCert().toString(), "--key",
        pki.clientKey().toString(), events));
    assertThat(known.exit()).as(known.out()).isZero();
    assertThat(known.out()).endsWith("202");
    assertThat(Curl.run("--cacert", ca, https(mutualConfig.adminPort(), "/health/live")).out())
        .as("the admin listener asks for no certificate").endsWith("200");
  }
}
