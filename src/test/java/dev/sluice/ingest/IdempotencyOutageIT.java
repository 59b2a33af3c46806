package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.Ports;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idempotency-Key when something is down, against a real Kafka (topics not created on demand) and
 * PostgreSQL: a 5xx answer is not stored (a retry after the recovery publishes), a store that does not
 * answer gets 503 SLC-5011 and publishes nothing, and a key past its {@code idempotency.ttl} is a new
 * request, and is deleted by the sweep.
 */
class IdempotencyOutageIT {

  @RegisterExtension
  static final LocalKafka KAFKA = new LocalKafka("idem-outage").with("auto.create.topics.enable", "false");

  @Test
  void aFailedAnswerIsNotStoredAndARetryAfterTheRecoveryPublishes() throws Exception {
    String topic = KafkaOps.uniqueTopic("idem-missing");
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap())
        .set("kafka.health-interval-ms", 250)
        .producer("max.block.ms", 2000)
        .route("#", topic)
        .set("store.uri", PostgresDb.uri())
        .set("store.schema", PostgresDb.uniqueSchema());
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "outage.a")));
    String key = "f-" + newId();
    try (Http http = new Http(); TestGateway gateway = TestGateway.startReady(config, http)) {
      Awaitility.await("the topic known missing").atMost(Duration.ofSeconds(30)).until(() ->
          Metrics.parse(http.get(gateway.adminUri("/metrics")).text())
              .sum("sluice_kafka_topic_missing", Map.of("topic", topic)) == 1);
      Reply failed = http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key);
      assertThat(failed.status()).as("%s", failed).isEqualTo(503);
      assertThat(failed.json().getJsonArray("results").getJsonObject(0).getString("code")).isEqualTo("SLC-5005");
      Reply again = http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key);
      assertThat(again.status()).as("not replayed: %s", again).isEqualTo(503);
      assertThat(again.header("idempotent-replayed")).isNull();

      KAFKA.ops().createTopic(topic, 1);
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
          http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key).status() == 202);
      Reply replay = http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key);
      assertThat(replay.status()).isEqualTo(202);
      assertThat(replay.header("idempotent-replayed")).isEqualTo("true");
      assertThat(KAFKA.ops().endOffsetsSum(topic)).as("published once").isEqualTo(1);
    }
  }

  @Test
  void aStoreThatDoesNotAnswerGets503AndPublishesNothing() throws Exception {
    String topic = KafkaOps.uniqueTopic("idem-nostore");
    KAFKA.ops().createTopic(topic, 1);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("store.uri", "postgresql://sluice:sluice@127.0.0.1:" + Ports.free() + "/sluice")
        .set("idempotency.timeout-ms", 500);
    try (Http http = new Http(); TestGateway gateway = TestGateway.startReady(config, http)) {
      byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "outage.b")));
      Reply r = http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", "s-" + newId());
      assertThat(r.status()).as("%s", r).isEqualTo(503);
      assertThat(r.json().getString("code")).isEqualTo("SLC-5011");
      assertThat(r.header("retry-after")).isEqualTo("1");
      assertThat(r.took()).isLessThan(Duration.ofSeconds(5));
      assertThat(KAFKA.ops().endOffsetsSum(topic)).as("nothing published").isZero();
      Reply unkeyed = http.post(gateway.eventsUri(), Http.NDJSON, body);
      assertThat(unkeyed.status()).as("without a key: as before").isEqualTo(202);
    }
  }

  @Test
  void aKeyPastItsTtlIsANewRequestAndIsSwept() throws Exception {
    String topic = KafkaOps.uniqueTopic("idem-ttl");
    KAFKA.ops().createTopic(topic, 1);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("store.uri", PostgresDb.uri())
        .set("idempotency.ttl", "2s")
        .set("idempotency.sweep-interval-ms", 100);
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "outage.c")));
    String key = "t-" + newId();
    String schema = PostgresDb.uniqueSchema();
    config.set("store.schema", schema);
    try (Http http = new Http(); TestGateway gateway = TestGateway.startReady(config, http)) {
      assertThat(http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key).status()).isEqualTo(202);
      Reply replay = http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key);
      assertThat(replay.header("idempotent-replayed")).as("within the ttl").isEqualTo("true");
      Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
          http.post(gateway.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key).header("idempotent-replayed") == null);
      assertThat(KAFKA.ops().endOffsetsSum(topic)).as("the first request, and the one after the ttl").isEqualTo(2);
      try (PostgresDb db = new PostgresDb(schema)) {
        Awaitility.await("the sweep").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
            .until(() -> db.scalar("SELECT count(*) FROM sluice_idempotency") == 0);
      }
    }
  }
}
