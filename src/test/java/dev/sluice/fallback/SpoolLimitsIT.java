package dev.sluice.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.TcpProxy;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.json.JsonArray;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The spool's limits against real Kafka and PostgreSQL: with both away, a clear 503 with Retry-After
 * and recovery without a restart once they are back; a full spool refuses with 503 SLC-5008 naming
 * the bound, and nothing refused is kept.
 */
class SpoolLimitsIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("spool-limits");

  @Test
  void kafkaAndPostgresBothAwayGet503AndBothBackRecoverWithoutARestart() throws Exception {
    String topic = KafkaOps.uniqueTopic("both");
    KAFKA.start();
    KAFKA.ops().createTopic(topic, 3);
    URI pg = URI.create(PostgresDb.uri().replace("postgresql://", "http://"));
    Set<String> accepted = new HashSet<>();
    try (TcpProxy postgres = new TcpProxy(pg.getHost(), pg.getPort());
        Http http = new Http(Duration.ofSeconds(30));
        TestGateway gateway = TestGateway.startReady(spooling(topic, postgres.port()), http)) {
      URI events = gateway.eventsUri();
      accept(http, events, accepted, "both.before", 20);

      KAFKA.sigkill();
      postgres.cut();
      await("readiness false with Kafka and the spool away").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> http.get(gateway.adminUri("/health/ready")).status() == 503);
      Reply ready = http.get(gateway.adminUri("/health/ready"));
      assertThat(ready.json().getJsonObject("checks").getString("kafka")).isEqualTo("DOWN");
      assertThat(ready.json().getJsonObject("checks").getString("spool")).isEqualTo("DOWN");
      for (int i = 0; i < 5; i++) {
        Reply r = http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "both.during"));
        assertThat(r.status()).as("%s", r).isEqualTo(503);
        assertThat(r.json().getString("code")).isEqualTo("SLC-5002");
        assertThat(r.json().getString("message")).contains("spool");
        assertThat(r.header("retry-after")).isNotNull();
        assertThat(r.took()).as("refused at once").isLessThan(Duration.ofSeconds(2));
      }

      postgres.restore(); // the spool first: events are accepted while Kafka is still away
      await("the spool takes events again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> http.get(gateway.adminUri("/health/ready")).status() == 200);
      accept(http, events, accepted, "both.spooled", 20);
      KAFKA.start();
      await("Kafka back").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> http.get(gateway.adminUri("/health/ready")).json().getJsonObject("checks")
              .getString("kafka").equals("UP"));
      accept(http, events, accepted, "both.after", 20);
      await("the spool drains").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> Metrics.parse(http.get(gateway.adminUri("/metrics")).text()).sum("sluice_spool_events") == 0);
    }
    Set<String> inKafka = new HashSet<>();
    KAFKA.ops().consumeAll(topic, Duration.ofSeconds(30)).forEach(r -> inKafka.add(KafkaOps.header(r, "event-id")));
    assertThat(inKafka).containsAll(accepted);
  }

  @Test
  void aFullSpoolRefusesNamingItsBoundAndKeepsNothingRefused() throws Exception {
    String topic = KafkaOps.uniqueTopic("full");
    KAFKA.start();
    KAFKA.ops().createTopic(topic, 1);
    URI pg = URI.create(PostgresDb.uri().replace("postgresql://", "http://"));
    try (TcpProxy postgres = new TcpProxy(pg.getHost(), pg.getPort());
        Http http = new Http(Duration.ofSeconds(30));
        TestGateway gateway = TestGateway.startReady(spooling(topic, postgres.port())
            .set("spool.max-events", 300), http)) {
      URI events = gateway.eventsUri();
      KAFKA.sigkill();
      int spooled = 0;
      int full = 0;
      for (int b = 0; b < 6; b++) {
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          batch.add(Envelopes.envelope(Envelopes.newId(), "full.event"));
        }
        Reply r = http.post(events, Http.JSON, Envelopes.jsonArray(batch));
        JsonArray results = r.json().getJsonArray("results");
        for (int i = 0; i < results.size(); i++) {
          var e = results.getJsonObject(i);
          if ("spooled".equals(e.getString("status"))) {
            spooled++;
          } else {
            assertThat(e.getString("code")).as("%s", e).isEqualTo("SLC-5008");
            assertThat(e.getString("message")).contains("spool.max-events 300");
            assertThat(e.getBoolean("retryable")).isTrue();
            full++;
          }
        }
        if (r.status() == 503) {
          assertThat(r.header("retry-after")).isNotNull();
        }
      }
      assertThat(spooled).as("spooled up to the bound").isEqualTo(300);
      assertThat(full).isEqualTo(300);
      Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
      assertThat(m.sum("sluice_fallback_events_total", Map.of("result", "full"))).isEqualTo(300.0);
      assertThat(m.sum("sluice_inflight_events")).as("nothing held for the refused").isZero();
      try (PostgresDb db = new PostgresDb(gatewaySchema(gateway))) {
        assertThat(db.scalar("SELECT count(*) FROM sluice_spool")).isEqualTo(300);
      }
    }
  }

  private static String gatewaySchema(TestGateway gateway) {
    return gateway.gateway().config().store().schema();
  }

  private static GatewayConfig spooling(String topic, int postgresPort) {
    String uri = PostgresDb.uri().replaceFirst("@[^/]+/", "@127.0.0.1:" + postgresPort + "/");
    return GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("kafka.delivery-timeout-ms", 3000)
        .set("kafka.health-interval-ms", 250)
        .producer("max.block.ms", 1000)
        .set("spool.enabled", true)
        .set("store.uri", uri)
        .set("store.schema", PostgresDb.uniqueSchema())
        .set("breaker.kafka.min-calls", 3)
        .set("breaker.kafka.reset-ms", 1000);
  }

  private static void accept(Http http, URI events, Set<String> accepted, String type, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      String id = Envelopes.newId();
      Reply r = http.post(events, Http.JSON, Envelopes.envelope(id, type));
      assertThat(r.status()).as("%s", r).isEqualTo(202);
      accepted.add(id);
    }
  }
}
