package dev.sluice.auth;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.testsupport.Curl;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.TestGateway;
import dev.sluice.testsupport.TestPki;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS as identity ({@code auth.mode: required}, {@code http.tls.client-auth: request}), with the real
 * {@code curl} and grpc-java: the client certificate that tenant {@code team-a} lists is enough on its
 * own; a certificate of the same CA that no tenant lists is SLC-1402; no certificate and no header is
 * SLC-1401; an API key (or bearer token) sent with a mapped certificate decides on its own.
 */
class ClientCertificateIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @TempDir static Path dir;

  private static final ApiKeys.NewKey TEAM_B_KEY = ApiKeys.generate(new SecureRandom());

  private static TestPki pki;
  private static String topic;
  private static String refusedTopic;
  private static GatewayConfig config;
  private static TestGateway gateway;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    pki = TestPki.create(dir);
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("mtls"), 1);
    refusedTopic = KAFKA.createTopic(KAFKA.uniqueTopic("mtls-refused"), 1);
    config = GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("mtls.#", topic)
        .route("refused.#", refusedTopic)
        .set("http.tls.enabled", true)
        .set("http.tls.cert-file", pki.serverCert().toString())
        .set("http.tls.key-file", pki.serverKey().toString())
        .set("http.tls.client-ca-file", pki.caCert().toString())
        .set("http.tls.client-auth", "request")
        // the subject spaced as a person writes it; the file's loader compares the RFC 2253 form
        .tenants("""
            tenants:
              - name: team-a
                event-types: ["#"]
                certificates: ["CN=checkout, O=team-a"]
              - name: team-b
                event-types: ["#"]
                api-keys:
                  - client: reports
                    keys:
                      - { id: %s, sha256: "%s" }
            """.formatted(TEAM_B_KEY.id(), TEAM_B_KEY.sha256()));
    http = new Http();
    gateway = TestGateway.startReady(config, http);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  /** curl POST of one event of {@code type} over TLS with the test CA, then {@code args}; prints the headers. */
  private static Curl post(String id, String type, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--cacert", pki.caCert().toString(), "-i",
        "-H", "Content-Type: application/json", "--data", envelope(id, type)));
    all.addAll(List.of(args));
    all.add("https://127.0.0.1:" + config.httpPort() + "/v1/events");
    Curl c = Curl.run(all.toArray(new String[0]));
    assertThat(c.exit()).as(c.out()).isZero();
    return c;
  }

  private static String[] cert(Path cert, Path key) {
    return new String[] {"--cert", cert.toString(), "--key", key.toString()};
  }

  private static void assert401(Curl c, String code) {
    assertThat(c.status()).as(c.out()).isEqualTo("401");
    assertThat(c.out()).containsIgnoringCase("www-authenticate: Bearer realm=\"sluice\"");
    String body = c.out().substring(c.out().indexOf('{'), c.out().lastIndexOf('}') + 1);
    assertThat(new JsonObject(body).getString("code")).isEqualTo(code);
  }

  private static double authSuccesses(String method) throws Exception {
    Http.Reply r = http.get(gateway.adminUri("/metrics"));
    assertThat(r.status()).isEqualTo(200);
    return Metrics.parse(r.text()).sum("sluice_auth_successes_total", Map.of("method", method));
  }

  @Test
  void theMappedCertificateAloneIsTheTenantsCredentialAndTheEventReachesKafka() throws Exception {
    double before = authSuccesses("certificate");
    String id = newId();
    Curl c = post(id, "mtls.created", cert(pki.clientCert(), pki.clientKey()));
    assertThat(c.status()).as(c.out()).isEqualTo("202");
    assertThat(authSuccesses("certificate")).isEqualTo(before + 1);
    var records = KAFKA.consumeAll(topic, Duration.ofSeconds(20));
    assertThat(records).extracting(rec -> new String(rec.key(), StandardCharsets.UTF_8)).contains(id);
  }

  @Test
  void aCertificateOfTheCaThatNoTenantListsIs1402AndNoCertificateNorHeaderIs1401() throws Exception {
    Curl unmapped = post(newId(), "refused.cert", cert(pki.unmappedCert(), pki.unmappedKey()));
    assert401(unmapped, "SLC-1402");
    assertThat(unmapped.out()).contains("error=\"invalid_token\"").doesNotContain(TestPki.UNMAPPED_SUBJECT);
    assert401(post(newId(), "refused.none"), "SLC-1401");
    assertThat(KAFKA.endOffsetsSum(refusedTopic)).as("nothing published").isZero();
  }

  @Test
  void aHeaderSentWithAMappedCertificateDecidesAlone() throws Exception {
    double keys = authSuccesses("api_key");
    double certs = authSuccesses("certificate");
    Curl other = post(newId(), "mtls.header", "--cert", pki.clientCert().toString(), "--key",
        pki.clientKey().toString(), "-H", "X-API-Key: " + TEAM_B_KEY.key());
    assertThat(other.status()).as(other.out()).isEqualTo("202");
    assertThat(authSuccesses("api_key")).as("team-b's key let it in").isEqualTo(keys + 1);
    assertThat(authSuccesses("certificate")).as("not the certificate").isEqualTo(certs);

    String wrong = TEAM_B_KEY.key().substring(0, TEAM_B_KEY.key().length() - 2)
        + (TEAM_B_KEY.key().endsWith("xy") ? "yx" : "xy");
    assert401(post(newId(), "refused.header", "--cert", pki.clientCert().toString(), "--key",
        pki.clientKey().toString(), "-H", "X-API-Key: " + wrong), "SLC-1402");
    assert401(post(newId(), "refused.header", "--cert", pki.clientCert().toString(), "--key",
        pki.clientKey().toString(), "-H", "Authorization: Bearer not-a-jwt"), "SLC-1402");
    assertThat(KAFKA.endOffsetsSum(refusedTopic)).as("a wrong header is not saved by the certificate").isZero();
  }

  @Test
  void grpcOverTlsTakesTheMappedCertificateAndRefusesOthers() throws Exception {
    int port = config.httpPort();
    ManagedChannel mapped = GrpcJava.tlsChannel(port, pki.caCert(), pki.clientCert(), pki.clientKey());
    ManagedChannel unmapped = GrpcJava.tlsChannel(port, pki.caCert(), pki.unmappedCert(), pki.unmappedKey());
    ManagedChannel none = GrpcJava.tlsChannel(port, pki.caCert(), null, null);
    try {
      String id = newId();
      var ok = GrpcIngestClient.publish(mapped, List.of(GrpcIngestClient.event(id, "mtls.grpc")));
      assertThat(ok.getAccepted()).isEqualTo(1);
      for (ManagedChannel refused : List.of(unmapped, none)) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () ->
            GrpcIngestClient.publish(refused, List.of(GrpcIngestClient.event(newId(), "refused.grpc"))));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      }
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), TEAM_B_KEY.key());
      Channel unmappedWithKey = ClientInterceptors.intercept(unmapped, MetadataUtils.newAttachHeadersInterceptor(md));
      var withKey = ClientCalls.blockingUnaryCall(unmappedWithKey, GrpcIngestClient.PUBLISH, CallOptions.DEFAULT,
          PublishRequest.newBuilder().addEvents(GrpcIngestClient.event(newId(), "mtls.grpc")).build());
      assertThat(withKey.getAccepted()).as("the key decides, whatever the certificate").isEqualTo(1);
      var records = KAFKA.consumeAll(topic, Duration.ofSeconds(20));
      assertThat(records).extracting(rec -> new String(rec.key(), StandardCharsets.UTF_8)).contains(id);
      assertThat(KAFKA.endOffsetsSum(refusedTopic)).isZero();
    } finally {
      for (ManagedChannel c : List.of(mapped, unmapped, none)) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
