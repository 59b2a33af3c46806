package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestDirs;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tenants with real API keys ({@code auth.mode: required}, a tenants file) against a real Kafka: team-a
 * may publish {@code order.#} (no quota to speak of), team-b {@code billing.#} with 1 event/s and a burst of 5. Must
 * show 2: team-a cannot publish team-b's types (403 SLC-1403, nothing published) and the Kafka header
 * {@code tenant} is the gateway's even when the client sent one. Must show 3: team-b over its quota
 * gets 429 with Retry-After and the RateLimit fields while team-a's requests in the same run pass.
 */
class TenancyIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static String orders;
  private static String billing;
  private static String keyA;
  private static String keyB;
  private static Http http;
  private static TestGateway gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    orders = KAFKA.createTopic(KAFKA.uniqueTopic("tenancy-orders"), 1);
    billing = KAFKA.createTopic(KAFKA.uniqueTopic("tenancy-billing"), 1);
    keyA = newKey();
    keyB = newKey();
    Path tenants = TestDirs.create("tenants").resolve("tenants.yaml");
    Files.writeString(tenants, """
        tenants:
          - name: team-a
            event-types: ["order.#"]
            quota: { events-per-second: 100000, bytes-per-second: 0, burst-seconds: 1 }
            api-keys:
              - client: checkout
                keys:
                  - { id: %s, sha256: "%s" }
          - name: team-b
            event-types: ["billing.#"]
            topics: [%s]
            quota: { events-per-second: 1, bytes-per-second: 0, burst-seconds: 5 }
            api-keys:
              - client: invoices
                keys:
                  - { id: %s, sha256: "%s" }
        """.formatted(id(keyA), sha256(keyA), billing, id(keyB), sha256(keyB)));
    http = new Http();
    gateway = TestGateway.startReady(
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("auth.mode", "required")
            .set("auth.tenants-file", tenants.toString())
            .route("order.#", orders)
            .route("billing.#", billing),
        http);
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

  /** {@code sk_<12 hex>_<43 base64url>}, as the issue fixes it. */
  private static String newKey() {
    byte[] id = new byte[6];
    byte[] secret = new byte[32];
    SecureRandom random = new SecureRandom();
    random.nextBytes(id);
    random.nextBytes(secret);
    return "sk_" + HexFormat.of().formatHex(id) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  private static String id(String key) {
    return key.substring(3, 15);
  }

  private static String sha256(String key) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  private static Reply post(String key, String body, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + key;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return http.post(gateway.eventsUri(), Http.JSON, body, all);
  }

  private static List<String> tenantHeaders(ConsumerRecord<byte[], byte[]> r) {
    return StreamSupport.stream(r.headers().spliterator(), false)
        .filter(h -> h.key().equals("tenant"))
        .map(h -> new String(h.value(), StandardCharsets.UTF_8))
        .toList();
  }

  @Test
  void aTenantCannotPublishAnotherTenantsTypesAndItsRecordsCarryTheGatewaysTenantHeader() throws Exception {
    long billingBefore = KAFKA.endOffsetsSum(billing);
    long ordersBefore = KAFKA.endOffsetsSum(orders);

    Reply forbidden = post(keyA, Envelopes.envelope(Envelopes.newId(), "billing.paid"));
    String batch = "[" + Envelopes.envelope(Envelopes.newId(), "order.created") + ","
        + Envelopes.envelope(Envelopes.newId(), "billing.refunded") + "]";
    Reply partly = post(keyA, batch, "tenant", "team-b");
    Reply cloudEvent = http.post(gateway.eventsUri(), "application/json", "{\"n\":1}",
        "Authorization", "Bearer " + keyA, "ce-specversion", "1.0", "ce-id", Envelopes.newId(),
        "ce-source", "/it", "ce-type", "order.paid", "ce-tenant", "team-b", "tenant", "team-b");

    assertThat(forbidden.status()).as(forbidden.toString()).isEqualTo(403);
    assertThat(forbidden.json().getString("code")).isEqualTo("SLC-1403");
    assertThat(forbidden.json().getString("message")).contains("billing.paid");
    assertThat(forbidden.json().getString("pointer")).isEqualTo("/eventType");
    assertThat(partly.status()).as(partly.toString()).isEqualTo(207);
    JsonObject refused = partly.json().getJsonArray("results").getJsonObject(1);
    assertThat(refused.getString("code")).isEqualTo("SLC-1403");
    assertThat(refused.getString("message")).contains("billing.refunded");
    assertThat(cloudEvent.status()).as(cloudEvent.toString()).isEqualTo(202);
    assertThat(KAFKA.endOffsetsSum(orders)).isEqualTo(ordersBefore + 2);
    for (long offset = ordersBefore; offset < ordersBefore + 2; offset++) {
      assertThat(tenantHeaders(KAFKA.recordAt(orders, 0, offset, Duration.ofSeconds(20)))).containsExactly("team-a");
    }
    assertThat(KAFKA.endOffsetsSum(billing)).as("nothing of team-a reached team-b's topic").isEqualTo(billingBefore);
  }

  @Test
  void aTenantOverItsQuotaGets429WhileAnotherTenantsRequestsPass() throws Exception {
    StringBuilder five = new StringBuilder("[");
    for (int i = 0; i < 5; i++) {
      five.append(i == 0 ? "" : ",").append(Envelopes.envelope(Envelopes.newId(), "billing.paid"));
    }
    Reply burst = post(keyB, five.append(']').toString());
    // 3 events need 3 s of refill after the burst: refused however long the burst's request took
    Reply over = post(keyB, "[" + Envelopes.envelope(Envelopes.newId(), "billing.paid") + ","
        + Envelopes.envelope(Envelopes.newId(), "billing.paid") + ","
        + Envelopes.envelope(Envelopes.newId(), "billing.paid") + "]");
    int aAccepted = 0;
    for (int i = 0; i < 20; i++) {
      if (post(keyA, Envelopes.envelope(Envelopes.newId(), "order.created")).status() == 202) {
        aAccepted++;
      }
    }

    assertThat(burst.status()).as(burst.toString()).isEqualTo(202);
    assertThat(over.status()).as(over.toString()).isEqualTo(429);
    assertThat(over.json().getString("code")).isEqualTo("SLC-1429");
    assertThat(Long.parseLong(over.header("Retry-After"))).isBetween(1L, 3L);
    assertThat(over.header("RateLimit-Policy")).isEqualTo("\"events\";q=1;w=1");
    assertThat(over.header("RateLimit")).startsWith("\"events\";r=");
    assertThat(aAccepted).as("team-a, same run, another bucket").isEqualTo(20);
    Awaitility.await("team-b's bucket refilled").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(300))
        .until(() -> post(keyB, Envelopes.envelope(Envelopes.newId(), "billing.paid")).status() == 202);
  }
}
