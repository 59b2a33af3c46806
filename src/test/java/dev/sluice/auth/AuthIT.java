package dev.sluice.auth;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.Jwts;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Authentication on a running gateway ({@code auth.mode: required}) with a real Kafka: nothing gets in
 * without a credential (HTTP, the WebSocket upgrade, gRPC); API keys (both keys of a client), JWTs
 * checked against a JWKS served by a small server in the test, and a JWKS rotated to a new key while the
 * gateway runs.
 */
class AuthIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final String ISSUER = "https://idp.test";
  private static final ApiKeys.NewKey KEY_1 = ApiKeys.generate(new SecureRandom());
  private static final ApiKeys.NewKey KEY_2 = ApiKeys.generate(new SecureRandom());
  private static final KeyPair RSA = Jwts.rsa();
  private static final AtomicReference<JsonObject> JWKS = new AtomicReference<>();
  private static final AtomicInteger JWKS_FETCHES = new AtomicInteger();

  private static Vertx vertx;
  private static HttpServer idp;
  private static Http http;
  private static TestGateway gateway;
  private static ManagedChannel channel;
  private static String topic;
  private static String refusedTopic;

  @BeforeAll
  static void start() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("auth"), 1);
    refusedTopic = KAFKA.createTopic(KAFKA.uniqueTopic("auth-refused"), 1);
    JWKS.set(new JsonObject().put("keys", new JsonArray().add(Jwts.jwk("k1", RSA.getPublic()))));
    vertx = Vertx.vertx();
    idp = vertx.createHttpServer()
        .requestHandler(req -> {
          JWKS_FETCHES.incrementAndGet();
          req.response().putHeader("content-type", "application/json").end(JWKS.get().encode());
        })
        .listen(0, "127.0.0.1").await();
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("auth.#", topic)
        .route("refused.#", refusedTopic)
        .set("auth.jwt.jwks-url", "http://127.0.0.1:" + idp.actualPort() + "/jwks.json")
        .set("auth.jwt.jwks-min-refresh-ms", 100)
        .set("auth.jwt.issuer", ISSUER)
        .set("auth.jwt.audience", "sluice")
        .tenants("""
            tenants:
              - name: team-a
                event-types: ["#"]
                api-keys:
                  - client: checkout
                    keys:
                      - { id: %s, sha256: "%s" }
                      - { id: %s, sha256: "%s" }
            """.formatted(KEY_1.id(), KEY_1.sha256(), KEY_2.id(), KEY_2.sha256())), http);
    channel = GrpcJava.channel(gateway.ingestUri("/").getPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private static Reply post(String type, String... headers) throws Exception {
    return http.post(gateway.eventsUri(), Http.JSON, envelope(newId(), type), headers);
  }

  private static String token(String kid, KeyPair keys, String alg, long expIn, Object aud) {
    return Jwts.sign(alg, kid, keys.getPrivate(), Jwts.claims("svc-" + kid, "team-a", expIn, ISSUER, aud));
  }

  private static void assert401(Reply r, String code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(401);
    assertThat(r.json().getString("code")).isEqualTo(code);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer realm=\"sluice\"");
  }

  @Test
  void withoutACredentialHttpTheWebSocketUpgradeAndGrpcAre401AndKafkaGetsNothing() throws Exception {
    Reply r = post("refused.created");
    assert401(r, "SLC-1401");
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"sluice\"");

    URI stream = URI.create("ws://127.0.0.1:" + gateway.ingestUri("/").getPort() + "/v1/stream");
    try (HttpClient client = HttpClient.newHttpClient()) {
      CompletionException failed = catchThrowableOfType(CompletionException.class, () ->
          client.newWebSocketBuilder().buildAsync(stream, new WebSocket.Listener() {}).join());
      assertThat(failed.getCause()).isInstanceOf(WebSocketHandshakeException.class);
      var response = ((WebSocketHandshakeException) failed.getCause()).getResponse();
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"sluice\"");
    }

    StatusRuntimeException grpc = catchThrowableOfType(StatusRuntimeException.class, () ->
        GrpcIngestClient.publish(channel, java.util.List.of(GrpcIngestClient.event(newId(), "refused.created"))));
    assertThat(grpc.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

    assertThat(KAFKA.endOffsetsSum(refusedTopic)).as("nothing published").isZero();
  }

  @Test
  void bothKeysOfAClientAreAcceptedAndTheEventReachesKafka() throws Exception {
    String id = newId();
    Reply r = http.post(gateway.eventsUri(), Http.JSON, envelope(id, "auth.key"), "Authorization", "Bearer " + KEY_1.key());
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(post("auth.key", "X-API-Key", KEY_2.key()).status()).isEqualTo(202);
    String wrong = KEY_1.key().substring(0, KEY_1.key().length() - 2) + (KEY_1.key().endsWith("xy") ? "yx" : "xy");
    Reply refused = post("refused.key", "X-API-Key", wrong);
    assert401(refused, "SLC-1402");
    assertThat(refused.text()).doesNotContain(wrong.substring(16));

    Metadata md = new Metadata();
    md.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), KEY_2.key());
    Channel withKey = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    var grpc = ClientCalls.blockingUnaryCall(withKey, GrpcIngestClient.PUBLISH, CallOptions.DEFAULT,
        PublishRequest.newBuilder().addEvents(GrpcIngestClient.event(newId(), "auth.grpc")).build());
    assertThat(grpc.getAccepted()).isEqualTo(1);

    var records = KAFKA.consume(topic, 3, Duration.ofSeconds(20));
    assertThat(records).extracting(rec -> new String(rec.key(), StandardCharsets.UTF_8)).contains(id);
  }

  @Test
  void aValidJwtIsAcceptedAndExpiredWrongAudienceAndUnknownKidAreRefusedWithTheirCodes() throws Exception {
    assertThat(post("auth.jwt", "Authorization", "Bearer " + token("k1", RSA, "RS256", 300, "sluice")).status())
        .isEqualTo(202);
    assertThat(post("auth.jwt", "Authorization", "Bearer " + token("k1", RSA, "PS256", 300,
        new JsonArray().add("other").add("sluice"))).status()).isEqualTo(202);
    assert401(post("refused.jwt", "Authorization", "Bearer " + token("k1", RSA, "RS256", -120, "sluice")), "SLC-1406");
    assert401(post("refused.jwt", "Authorization", "Bearer " + token("k1", RSA, "RS256", 300, "other")), "SLC-1407");
    Reply unknownKid = post("refused.jwt", "Authorization", "Bearer " + token("nobody", Jwts.rsa(), "RS256", 300, "sluice"));
    assert401(unknownKid, "SLC-1402");
    assertThat(unknownKid.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(KAFKA.endOffsetsSum(refusedTopic)).isZero();
  }

  @Test
  void aJwksRotatedToANewKeyIsPickedUpWithoutARestart() throws Exception {
    KeyPair next = Jwts.ec();
    String newToken = token("k2", next, "ES256", 300, "sluice");
    int fetchesBefore = JWKS_FETCHES.get();
    JWKS.set(new JsonObject().put("keys", new JsonArray().add(Jwts.jwk("k2", next.getPublic()))));
    Awaitility.await("the token of the rotated key is accepted").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(150))
        .until(() -> post("auth.rotated", "Authorization", "Bearer " + newToken).status() == 202);
    assertThat(JWKS_FETCHES.get()).as("fetched again on the unknown kid").isGreaterThan(fetchesBefore);
    JWKS.set(new JsonObject().put("keys", new JsonArray().add(Jwts.jwk("k1", RSA.getPublic()))
        .add(Jwts.jwk("k2", next.getPublic()))));
  }
}
