package dev.sluice.schema;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.StreamClient;
import io.vertx.core.Vertx;
import dev.sluice.testsupport.TestDirs;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Payload schemas against a real Kafka: what a schema refuses gets 422 with {@code /data/...} pointers
 * and publishes nothing; a compatible v2 is taken; an incompatible v2 stops the real jar at start-up,
 * and {@code schemas check} exits non-zero on it.
 */
class SchemasIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  static final String V1 = SchemaSetTest.ORDER_V1;
  /** v2: a new optional member and a new currency (backward compatible). */
  static final String V2 = V1.replace("\"USD\"]", "\"USD\", \"GBP\"]")
      .replace("\"orderId\": {", "\"note\": {\"type\": \"string\", \"maxLength\": 20}, \"orderId\": {");

  private static String topic;
  private static Http http;
  private static TestGateway gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("schemas"), 3);
    Path dir = TestDirs.create("schemas");
    SchemaDirs.write(dir, "order.created/1.json", V1);
    SchemaDirs.write(dir, "order.created/2.json", V2);
    SchemaDirs.write(dir, "slug.created/1.json", SLUG);
    http = new Http();
    gateway = TestGateway.startReady(
        GatewayConfig.forKafka(KAFKA.bootstrap()).set("schemas.dir", dir.toString()).route("#", topic)
            // small enough that requests which kept their bytes would soon exhaust it (20 x 210 KB)
            .set("http.max-body-bytes", 1_048_576).set("limits.max-in-flight-bytes", 2_097_152), http);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  static String order(String id, int version, String data) {
    return envelope(id, "order.created", "order-1", null, data).replace("\"eventVersion\":1", "\"eventVersion\":" + version);
  }

  /** A pattern java.util.regex matches by recursing once per character. */
  static final String SLUG =
      SchemaDirs.object("\"properties\": {\"slug\": {\"type\": \"string\", \"pattern\": \"^([a-z]|-)*$\"}}");

  static final String GOOD = "{\"orderId\":\"ord-1\",\"amount\":12.5,\"currency\":\"EUR\"}";

  @Test
  void aPayloadThatViolatesItsSchemaGets422WithDataPointersAndPublishesNothing() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);

    Reply r = http.post(gateway.eventsUri(), Http.JSON,
        order(newId(), 1, "{\"orderId\":\"42\",\"amount\":-3,\"currency\":\"EUR\",\"lines\":[{\"qty\":1}]}"));

    assertThat(r.status()).as(r.text()).isEqualTo(422);
    JsonObject body = r.json();
    assertThat(body.getString("code")).isEqualTo("SLC-1012");
    assertThat(body.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("pointer")))
        .containsExactlyInAnyOrder("/data/orderId", "/data/amount", "/data/lines/0");
    assertThat(body.getString("pointer")).startsWith("/data/");
    assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(before);
  }

  @Test
  void aBatchWithOneViolatingEventGets207AndPublishesTheOthers() throws Exception {
    String a = newId();
    String c = newId();
    long before = KAFKA.endOffsetsSum(topic);

    Reply r = http.post(gateway.eventsUri(), Http.JSON, "[" + order(a, 1, GOOD) + ","
        + order(newId(), 1, "{\"orderId\":\"ord-2\",\"amount\":1,\"currency\":\"JPY\"}") + "," + order(c, 2, GOOD) + "]");

    assertThat(r.status()).as(r.text()).isEqualTo(207);
    JsonObject body = r.json();
    assertThat(body.getInteger("accepted")).isEqualTo(2);
    JsonObject rejected = body.getJsonArray("results").getJsonObject(1);
    assertThat(rejected.getString("code")).isEqualTo("SLC-1012");
    assertThat(rejected.getJsonArray("errors").getJsonObject(0).getString("pointer")).isEqualTo("/1/data/currency");
    assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(before + 2);
  }

  @Test
  void aStreamNacksAViolatingPayloadWithItsPointersAndAcksTheRest() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);
    Vertx vertx = Vertx.vertx();
    try (StreamClient c = StreamClient.connect(vertx, gateway.ingestUri("/v1/stream"))) {
      c.send(order(newId(), 1, GOOD) + "\n" + order(newId(), 1, "{\"orderId\":\"ord-3\",\"currency\":\"EUR\"}") + "\n",
          2, Duration.ofSeconds(10));
      JsonObject nack = null;
      for (int i = 0; i < 2 && nack == null; i++) {
        JsonObject f = c.next(Duration.ofSeconds(30));
        nack = "nack".equals(f.getString("type")) ? f : null;
      }
      assertThat(nack).as("a nack frame").isNotNull();
      JsonObject refused = nack.getJsonArray("events").getJsonObject(0);
      assertThat(refused.getString("code")).isEqualTo("SLC-1012");
      assertThat(refused.getInteger("index")).isEqualTo(1);
      assertThat(refused.getJsonArray("errors").getJsonObject(0).getString("pointer")).isEqualTo("/1/data");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> KAFKA.endOffsetsSum(topic) == before + 1);
  }

  @Test
  void aValueTheSchemasPatternCannotCheckGets422AndTheNextRequestsAreTaken() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);
    String slug = envelope(newId(), "slug.created", "slug-1", null, "{\"slug\":\"" + "ab-".repeat(70_000) + "\"}");

    // more of them than the in-flight budget would hold if a request kept its bytes
    for (int i = 0; i < 24; i++) {
      Reply r = http.post(gateway.eventsUri(), Http.JSON, slug);
      assertThat(r.status()).as(r.text()).isEqualTo(422);
      assertThat(r.json().getString("code")).isEqualTo("SLC-1012");
      assertThat(r.json().getString("pointer")).isEqualTo("/data");
      assertThat(r.json().getString("message")).contains("could not be checked against the schema");
    }
    assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(before);
    Reply ok = http.post(gateway.eventsUri(), Http.JSON, order(newId(), 1, GOOD));
    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    assertThat(http.post(gateway.eventsUri(), Http.JSON,
        envelope(newId(), "slug.created", "slug-1", null, "{\"slug\":\"a-b\"}")).status()).isEqualTo(202);
  }

  @Test
  void anUnknownVersionGets422NamingTheKnownOnes() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);

    Reply r = http.post(gateway.eventsUri(), Http.JSON, order(newId(), 3, GOOD));

    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.json().getString("code")).isEqualTo("SLC-1013");
    assertThat(r.json().getString("pointer")).isEqualTo("/eventVersion");
    assertThat(r.json().getString("message")).contains("(known: 1, 2)");
    assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(before);
  }

  @Test
  void aCompatibleV2IsAcceptedAndPublishedAsSent() throws Exception {
    String id = newId();
    String env = order(id, 2, "{\"orderId\":\"ord-7\",\"amount\":1,\"currency\":\"GBP\",\"note\":\"gift\"}");

    Reply r = http.post(gateway.eventsUri(), Http.JSON, env);

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.consumeAll(topic, Duration.ofSeconds(30));
    assertThat(records).anySatisfy(rec -> assertThat(new String(rec.value(), StandardCharsets.UTF_8)).isEqualTo(env));
    // and v2's own rules hold: its new member is at most 20 characters
    assertThat(http.post(gateway.eventsUri(), Http.JSON,
        order(newId(), 2, "{\"orderId\":\"ord-7\",\"amount\":1,\"currency\":\"GBP\",\"note\":\"" + "n".repeat(21) + "\"}"))
        .status()).isEqualTo(422);
  }

  @Test
  void anIncompatibleV2StopsTheJarAtStartUpAndTheCliExitsNonZero() throws Exception {
    Path dir = TestDirs.create("schemas-incompatible");
    SchemaDirs.write(dir, "order.created/1.json", V1);
    SchemaDirs.write(dir, "order.created/2.json", V2.replace("\"currency\"]", "\"currency\", \"note\"]"));
    String finding = "order.created v1 -> v2: rule 'required-added' at /properties/note";

    GatewayProcess process = GatewayProcess.launch(
        GatewayConfig.forKafka(KAFKA.bootstrap()).set("schemas.dir", dir.toString()).route("#", topic),
        GatewayProcess.options().name("schemas-incompatible"));
    try {
      OptionalInt exit = process.waitForExit(Duration.ofSeconds(60));
      assertThat(exit).as(process.logTail(20)).hasValue(2);
      assertThat(process.logText()).contains("schemas.compatibility").contains(finding);
    } finally {
      process.close();
    }

    Cli bad = cli("schemas", "check", "--dir", dir.toString());
    assertThat(bad.exit()).as(bad.output()).isEqualTo(1);
    assertThat(bad.output()).contains(finding);
    SchemaDirs.write(dir, "order.created/2.json", V2);
    Cli good = cli("schemas", "check", "--dir", dir.toString());
    assertThat(good.exit()).as(good.output()).isZero();
    assertThat(good.output()).contains("compatibility backward: compatible");
  }

  record Cli(int exit, String output) {}

  /** {@code java -jar sluice.jar ARGS} as a process: its exit code and output. */
  static Cli cli(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty(GatewayProcess.JAR_PROPERTY)));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(TestDirs.create("schemas-cli"), "cli", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the CLI ends").isTrue();
    return new Cli(p.exitValue(), Files.readString(out));
  }
}
