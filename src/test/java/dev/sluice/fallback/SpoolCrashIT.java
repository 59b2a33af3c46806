package dev.sluice.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.Sets;
import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real artifact: 50,000 events spooled while Kafka is away, the gateway killed (SIGKILL), then two
 * gateway processes relay the one spool once Kafka is back, and one of them is killed mid-drain: every
 * spooled event reaches Kafka, and every duplicate in Kafka was counted as a possible resend.
 */
class SpoolCrashIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("spool-crash");

  private static final int EVENTS = 50_000;
  private static final int BATCH = 500;

  private final Http http = new Http(Duration.ofSeconds(60));

  @Test
  void spooledEventsSurviveAGatewayCrashAndTwoGatewaysDrainOneSpool() throws Exception {
    String topic = KafkaOps.uniqueTopic("crash");
    KAFKA.ops().createTopic(topic, 6);
    String schema = PostgresDb.uniqueSchema();
    Set<String> accepted = new HashSet<>();

    KAFKA.sigkill();
    try (GatewayProcess first = GatewayProcess.start(config(topic, schema), GatewayProcess.options().name("crash-1"),
        http, Duration.ofSeconds(60))) {
      for (int b = 0; b < EVENTS / BATCH; b++) {
        List<String> ids = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
          String id = Envelopes.newId();
          ids.add(id);
          bodies.add(Envelopes.envelope(id, "crash.event", "key-" + (i % 97), null, "{\"b\":" + b + "}"));
        }
        Reply r = http.post(first.eventsUri(), Http.JSON, Envelopes.jsonArray(bodies));
        assertThat(r.status()).as("%s", r).isEqualTo(202);
        JsonArray results = r.json().getJsonArray("results");
        for (int i = 0; i < BATCH; i++) {
          assertThat(results.getJsonObject(i).getString("status")).isEqualTo("spooled");
        }
        accepted.addAll(ids);
      }
      first.sigkill();
    }
    try (PostgresDb db = new PostgresDb(schema)) {
      assertThat(db.scalar("SELECT count(*) FROM sluice_spool")).as("spooled before the crash").isEqualTo(EVENTS);
    }

    KAFKA.start();
    try (GatewayProcess a = GatewayProcess.start(config(topic, schema), GatewayProcess.options().name("crash-a"),
            http, Duration.ofSeconds(60));
        GatewayProcess b = GatewayProcess.start(config(topic, schema), GatewayProcess.options().name("crash-b"),
            http, Duration.ofSeconds(60))) {
      await("gateway a relays").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> sent(a) > 0);
      a.sigkill(); // mid-drain: its rows read and not removed go to b once its leases run out
      await("the spool drains").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
          .until(() -> spool(b) == 0);
      Metrics mb = metrics(b);
      double resent = mb.sum("sluice_relay_resent_total");
      List<ConsumerRecord<byte[], byte[]>> records = KAFKA.ops().consumeAll(topic, Duration.ofSeconds(60));
      Set<String> ids = new HashSet<>();
      int duplicates = 0;
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (!ids.add(KafkaOps.header(r, "event-id"))) {
          duplicates++;
        }
      }
      System.out.printf("crash: %d spooled, %d in Kafka (%d distinct), %d duplicates, %.0f counted as read again%n",
          accepted.size(), records.size(), ids.size(), duplicates, resent);
      assertThat(Sets.missing(accepted, ids)).as("spooled events not in Kafka").isEmpty();
      assertThat(ids).hasSize(EVENTS);
      assertThat((double) duplicates).as("every duplicate was counted").isLessThanOrEqualTo(resent);
    }
  }

  private static GatewayConfig config(String topic, String schema) {
    return GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("kafka.delivery-timeout-ms", 3000)
        .set("kafka.health-interval-ms", 250)
        .producer("max.block.ms", 1000)
        .set("spool.enabled", true)
        .set("spool.relay-lease-ms", 2000)
        .set("store.uri", PostgresDb.uri())
        .set("store.schema", schema)
        .set("breaker.kafka.min-calls", 2);
  }

  private double sent(GatewayProcess g) throws Exception {
    return metrics(g).sum("sluice_relay_events_total", Map.of("result", "sent"));
  }

  private double spool(GatewayProcess g) throws Exception {
    return metrics(g).sum("sluice_spool_events");
  }

  private Metrics metrics(GatewayProcess g) throws Exception {
    return Metrics.parse(http.get(g.adminUri("/metrics")).text());
  }
}
