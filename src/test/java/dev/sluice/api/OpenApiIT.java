package dev.sluice.api;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.ApiContract;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real answers of a gateway (real Kafka) held against the OpenAPI document by a standard validator
 * (vertx-openapi, see {@link ApiContract}): each case is sent with java.net.http, its status is the one
 * expected, and status, headers, content type and body must be what the document says for that path,
 * method and status. An answer whose status the document does not list fails.
 *
 * <p>A case is one line of {@link #cases()}; a second gateway, whose Kafka is unreachable, gives the
 * 503 answers ({@link #unavailableCases()}).
 */
class OpenApiIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final String JSON = Http.JSON;
  private static final int MAX_BODY_BYTES = 65_536;
  private static final int MAX_BATCH_EVENTS = 10;
  private static final int BODY_TIMEOUT_MS = 2000;

  private static Http http;
  private static Vertx vertx;
  private static TestGateway gateway;
  private static GatewayConfig config;
  private static ApiContract contract;
  private static String idemSchema;

  /** A request and the status it must get. */
  record Case(String name, boolean admin, String method, String path, String contentType, byte[] body, int status,
      String... headers) {

    static Case ingest(String name, String method, String path, String contentType, String body, int status,
        String... headers) {
      return new Case(name, false, method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
          status, headers);
    }

    static Case post(String name, String contentType, String body, int status, String... headers) {
      return ingest(name, "POST", "/v1/events", contentType, body, status, headers);
    }

    static Case admin(String name, String method, String path, String contentType, String body, int status) {
      return new Case(name, true, method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
          status);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("openapi"), 2);
    http = new Http();
    vertx = Vertx.vertx();
    idemSchema = dev.sluice.testsupport.PostgresDb.uniqueSchema();
    java.nio.file.Path schemas = java.nio.file.Files.createTempDirectory("openapi-schemas");
    java.nio.file.Files.createDirectories(schemas.resolve("ok.schema"));
    java.nio.file.Files.writeString(schemas.resolve("ok.schema/1.json"), "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\",\"required\":[\"n\"],\"properties\":{\"n\":{\"type\":\"integer\"}}}");
    config = GatewayConfig.forKafka(KAFKA.bootstrap())
        .set("store.uri", dev.sluice.testsupport.PostgresDb.uri())
        .set("store.schema", idemSchema)
        .set("schemas.dir", schemas.toString())
        .set("http.max-body-bytes", MAX_BODY_BYTES)
        .set("http.max-batch-events", MAX_BATCH_EVENTS)
        .set("http.body-timeout-ms", BODY_TIMEOUT_MS)
        .route("ok.#", topic);
    gateway = TestGateway.startReady(config, http);
    contract = new ApiContract(vertx, config.httpPort(), config.adminPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    if (http != null) {
      http.close();
    }
  }

  static List<Case> cases() {
    String ok = envelope(newId(), "ok.created");
    String invalid = "{\"eventId\":\"" + newId() + "\",\"eventType\":\"ok.created\",\"data\":{}}";
    String unrouted = envelope(newId(), "nowhere.created");
    String big = "[" + String.join(",", Collections.nCopies(MAX_BODY_BYTES / ok.length() + 2, ok)) + "]";
    List<String> eleven = IntStream.range(0, MAX_BATCH_EVENTS + 1).mapToObj(i -> envelope(newId(), "ok.many")).toList();
    String once = envelope(newId(), "ok.idem");
    String k = "k-" + newId();
    String k2 = "k2-" + newId();
    return List.of(
        Case.post("with an Idempotency-Key", JSON, once, 202, "Idempotency-Key", '"' + k + '"'),
        Case.post("its retry, replayed", JSON, once, 202, "Idempotency-Key", '"' + k + '"'),
        Case.post("the key with another body", JSON, ok, 422, "Idempotency-Key", '"' + k + '"'),
        Case.post("a malformed key", JSON, ok, 400, "Idempotency-Key", "\"abc"),
        Case.post("a key on a malformed body", JSON, "{", 400, "Idempotency-Key", k2),
        Case.post("its retry, replayed 400", JSON, "{", 400, "Idempotency-Key", k2),
        Case.post("a key on a partly invalid batch", JSON, "[" + once + ",{}]", 207, "Idempotency-Key", k2 + "b"),
        Case.post("its retry, replayed 207", JSON, "[" + once + ",{}]", 207, "Idempotency-Key", k2 + "b"),
        Case.ingest("gRPC over HTTP/1.1", "POST", "/sluice.v1.Ingest/Publish", "application/grpc", "", 404),
        Case.ingest("a gRPC path without gRPC", "POST", "/sluice.v1.Ingest/Publish", JSON, "{}", 404),
        Case.post("a structured CloudEvent", "application/cloudevents+json", ce("e-1", "ok.ce"), 202),
        Case.post("a CloudEvents batch", "application/cloudevents-batch+json", "[" + ce("e-2", "ok.ce") + "," + ce("e-3", "ok.ce") + "]", 202),
        Case.post("a CloudEvents batch, partly invalid", "application/cloudevents-batch+json", "[" + ce("e-4", "ok.ce") + "," + ce("e-5", "bad") + "]", 207),
        Case.post("a binary-mode CloudEvent", JSON, "{\"n\":1}", 202, "ce-specversion", "1.0", "ce-id", "e-6", "ce-type", "ok.ce", "ce-source", "/it"),
        Case.post("a binary-mode CloudEvent, text/plain", "text/plain", "{\"n\":1}", 422, "ce-specversion", "1.0", "ce-id", "e-6", "ce-type", "ok.ce", "ce-source", "/it"),
        Case.post("an invalid structured CloudEvent", "application/cloudevents+json", ce("e-7", "bad"), 422),
        Case.post("an invalid binary-mode CloudEvent", JSON, "{\"n\":1}", 422, "ce-specversion", "1.0", "ce-id", "e-8", "ce-source", "/it"),
        Case.post("a payload that violates its schema", JSON, envelope(newId(), "ok.schema", null, null, "{\"n\":\"x\"}"), 422),
        Case.post("an unknown schema version", JSON, envelope(newId(), "ok.schema").replace("\"eventVersion\":1", "\"eventVersion\":7"), 422),
        Case.post("a batch, one payload violating its schema", JSON, "[" + envelope(newId(), "ok.schema") + "," + envelope(newId(), "ok.schema", null, null, "{}") + "]", 207),
        Case.post("one envelope", JSON, ok, 202),
        Case.post("one envelope, client ids echoed", JSON, envelope(newId(), "ok.ids"), 202,
            "X-Request-Id", "req-42", "X-Correlation-Id", "corr-42",
            "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        Case.post("a JSON batch", JSON, "[" + envelope(newId(), "ok.a") + "," + envelope(newId(), "ok.b") + "]", 202),
        Case.post("an NDJSON batch", Http.NDJSON, envelope(newId(), "ok.a") + "\n" + envelope(newId(), "ok.b") + "\n", 202),
        Case.post("an NDJSON batch as application/ndjson", "application/ndjson", envelope(newId(), "ok.a") + "\n", 202),
        Case.post("an NDJSON batch as application/jsonl", "application/jsonl", envelope(newId(), "ok.a") + "\n", 202),
        Case.post("json with charset utf-8", "application/json; charset=utf-8", envelope(newId(), "ok.a"), 202),
        Case.post("a batch, partly invalid", JSON, "[" + envelope(newId(), "ok.a") + "," + invalid + "]", 207),
        Case.post("a batch, partly unrouted", JSON, "[" + envelope(newId(), "ok.a") + "," + unrouted + "]", 207),
        Case.post("a batch, all invalid", JSON, "[" + invalid + ",42]", 422),
        Case.post("a batch, all unrouted", JSON, "[" + unrouted + "]", 422),
        Case.post("one invalid envelope", JSON, invalid, 422),
        Case.post("one unrouted envelope", JSON, unrouted, 422),
        Case.post("malformed JSON", JSON, "{\"eventId\":", 400),
        new Case("text that is not UTF-8", false, "POST", "/v1/events", JSON, new byte[] {'[', (byte) 0xe9, ']'}, 400),
        Case.post("an empty body", JSON, "", 400),
        Case.post("an empty batch", JSON, "[]", 400),
        Case.post("a wrong content type", "text/plain", ok, 415),
        Case.post("no content type", null, ok, 415),
        Case.post("a charset other than UTF-8", "application/json; charset=iso-8859-1", ok, 415),
        Case.post("a body over http.max-body-bytes", JSON, big, 413),
        Case.post("more events than http.max-batch-events", JSON, new String(Envelopes.jsonArray(eleven),
            StandardCharsets.UTF_8), 413),
        Case.ingest("an unknown path", "GET", "/v2/events", null, null, 404),
        Case.ingest("the root", "GET", "/", null, null, 404),
        Case.ingest("GET /v1/events", "GET", "/v1/events", null, null, 405),
        Case.ingest("PUT /v1/events", "PUT", "/v1/events", JSON, ok, 405),
        Case.ingest("POST /v1/stream", "POST", "/v1/stream", JSON, ok, 405),
        Case.ingest("the stream without an upgrade", "GET", "/v1/stream", null, null, 426),
        Case.ingest("the document (YAML) on the ingest port", "GET", "/openapi.yaml", null, null, 200),
        Case.ingest("the document (JSON) on the ingest port", "GET", "/openapi.json", null, null, 200),
        Case.ingest("POST /openapi.yaml", "POST", "/openapi.yaml", JSON, "{}", 405),
        Case.admin("liveness", "GET", "/health/live", null, null, 200),
        Case.admin("readiness", "GET", "/health/ready", null, null, 200),
        Case.admin("metrics", "GET", "/metrics", null, null, 200),
        Case.admin("the document (YAML) on the admin port", "GET", "/openapi.yaml", null, null, 200),
        Case.admin("the document (JSON) on the admin port", "GET", "/openapi.json", null, null, 200),
        Case.admin("an unknown admin path", "GET", "/nope", null, null, 404),
        Case.admin("POST /health/live", "POST", "/health/live", JSON, "{}", 405),
        Case.admin("dead letters without PostgreSQL", "GET", "/admin/dlq", null, null, 503),
        Case.admin("dead letters of an unknown subscription", "GET", "/admin/dlq/nope", null, null, 404),
        Case.admin("a dead letter of an unknown subscription", "GET", "/admin/dlq/nope/e1", null, null, 404),
        Case.admin("purge of an unknown subscription", "DELETE", "/admin/dlq/nope?all=true", null, null, 404),
        Case.admin("replay of an unknown subscription", "POST", "/admin/dlq/nope/replay", JSON, "{\"all\":true}", 404),
        Case.admin("a replay job of an unknown subscription", "GET", "/admin/dlq/nope/replays/j1", null, null, 404));
  }

  private static String ce(String id, String type) {
    return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"/it\",\"type\":\"" + type + "\",\"data\":{\"n\":1}}";
  }

  @TestFactory
  Stream<DynamicTest> everyAnswerIsWhatTheDocumentSays() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(gateway, config, c)));
  }

  @Test
  void aKeyInProgressIs409AsTheDocumentSays() throws Exception {
    String key = "p-" + newId();
    String body = envelope(newId(), "ok.idem");
    check(gateway, config, Case.post("first", JSON, body, 202, "Idempotency-Key", key));
    try (dev.sluice.testsupport.PostgresDb db = new dev.sluice.testsupport.PostgresDb(idemSchema)) {
      db.query("UPDATE sluice_idempotency SET state = 'in_progress', lease_until = now() + interval '1 hour'"
          + " WHERE key = '" + key + "'");
      check(gateway, config, Case.post("in progress", JSON, body, 409, "Idempotency-Key", key));
    }
  }

  @Test
  void theServedDocumentIsTheOneOnTheClasspathOnBothPorts() throws Exception {
    JsonObject document = ApiContract.document();
    for (URI base : List.of(config.ingestUri(""), config.adminUri(""))) {
      Http.Reply yaml = http.get(URI.create(base + "/openapi.yaml"));
      assertThat(yaml.status()).isEqualTo(200);
      assertThat(yaml.header("content-type")).isEqualTo("application/yaml");
      try (var in = OpenApiIT.class.getClassLoader().getResourceAsStream(ApiContract.RESOURCE)) {
        assertThat(yaml.body()).isEqualTo(in.readAllBytes());
      }
      Http.Reply json = http.get(URI.create(base + "/openapi.json"));
      assertThat(json.json()).isEqualTo(document);
    }
  }

  /**
   * A body that does not arrive within http.body-timeout-ms: 408. Sent over a plain socket (java.net.http
   * reads no answer before it sent the whole body): the headers and half the body, then nothing.
   */
  @Test
  void aBodyThatDoesNotArriveInTimeIsAnsweredAsTheDocumentSays() throws Exception {
    URI uri = gateway.eventsUri();
    String half = envelope(newId(), "ok.slow").substring(0, 40);
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost()
          + "\r\nContent-Type: " + JSON + "\r\nContent-Length: " + half.length() * 2 + "\r\n\r\n" + half)
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      Http.Reply reply = readReply(socket.getInputStream());
      assertThat(reply.status()).as("%s", reply).isEqualTo(408);
      contract.check("POST", uri, reply);
    }
  }

  /** An HTTP/1.1 answer with a Content-Length, read from {@code in}. */
  private static Http.Reply readReply(java.io.InputStream in) throws java.io.IOException {
    java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("the connection closed before the answer's headers: " + head);
      }
      head.write(b);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    java.util.Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).trim());
    }
    byte[] body = in.readNBytes(Integer.parseInt(headers.get("content-length").get(0)));
    return new Http.Reply(Integer.parseInt(lines[0].split(" ")[1]), java.net.http.HttpHeaders.of(headers, (a, b) -> true),
        body, java.time.Duration.ZERO);
  }

  /** The 503s, from a gateway whose Kafka is unreachable (nothing listens on its bootstrap port). */
  @TestFactory
  Stream<DynamicTest> unavailableAnswersAreWhatTheDocumentSays() throws Exception {
    GatewayConfig down = GatewayConfig.forKafka("127.0.0.1:1").route("ok.#", "openapi-nowhere");
    TestGateway noKafka = TestGateway.start(down);
    ApiContract downContract = new ApiContract(vertx, down.httpPort(), down.adminPort());
    List<Case> cases = List.of(
        Case.post("Kafka unreachable", JSON, envelope(newId(), "ok.created"), 503),
        Case.admin("not ready", "GET", "/health/ready", null, null, 503));
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : cases) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> check(noKafka, down, downContract, c)));
    }
    return tests.stream().onClose(noKafka::close);
  }

  private static void check(TestGateway g, GatewayConfig cfg, Case c) throws Exception {
    check(g, cfg, contract, c);
  }

  private static void check(TestGateway g, GatewayConfig cfg, ApiContract contract, Case c) throws Exception {
    URI uri = c.admin() ? g.adminUri(c.path()) : g.ingestUri(c.path());
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(30))
        .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(c.body()));
    if (c.contentType() != null) {
      b.header("Content-Type", c.contentType());
    }
    for (int i = 0; i + 1 < c.headers().length; i += 2) {
      b.header(c.headers()[i], c.headers()[i + 1]);
    }
    if (c.body() != null && c.body().length > MAX_BODY_BYTES) {
      b.expectContinue(true);
    }
    Http.Reply reply = http.send(b.build());
    assertThat(reply.status()).as(c.method() + " " + uri + ": " + reply).isEqualTo(c.status());
    contract.check(c.method(), uri, reply);
    for (int i = 0; i + 1 < c.headers().length; i += 2) {
      if (c.headers()[i].startsWith("X-")) {
        assertThat(reply.header(c.headers()[i])).as("echoed " + c.headers()[i]).isEqualTo(c.headers()[i + 1]);
      }
    }
  }
}
