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
import dev.sluice.testsupport.ReceiverProcess;
import dev.sluice.testsupport.TestGateway;
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
 * A route whose chain is {@code [grpc:orders, spool]}, with the jar's receiver on a real port: while
 * Kafka is away its events reach the receiver and are answered {@code delivered} by {@code
 * grpc:orders}; with the receiver away too, the target's breaker opens and they are spooled, then
 * relayed to Kafka once it is back. Other routes keep the default chain (the spool).
 */
class GrpcFallbackIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("grpc-fallback");

  @Test
  void aRoutesEventsGoToItsGrpcTargetThenToTheSpoolWhenTheTargetIsDownToo() throws Exception {
    String orders = KafkaOps.uniqueTopic("orders");
    String other = KafkaOps.uniqueTopic("other");
    KAFKA.ops().createTopic(orders, 3);
    KAFKA.ops().createTopic(other, 3);
    try (ReceiverProcess receiver = ReceiverProcess.start();
        Http http = new Http(Duration.ofSeconds(30))) {
      GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap())
          .routeWithFallback("order.#", orders, "[grpc:orders, spool]")
          .route("#", other)
          .set("kafka.delivery-timeout-ms", 3000)
          .set("kafka.health-interval-ms", 250)
          .producer("max.block.ms", 1000)
          .set("spool.enabled", true)
          .set("store.uri", PostgresDb.uri())
          .set("store.schema", PostgresDb.uniqueSchema())
          .set("breaker.kafka.min-calls", 2)
          .set("breaker.kafka.reset-ms", 1000)
          .set("breaker.grpc.min-calls", 3)
          .set("breaker.grpc.reset-ms", 60000)
          .set("fallback.targets.orders.host", "127.0.0.1")
          .set("fallback.targets.orders.port", receiver.port())
          .set("fallback.targets.orders.deadline-ms", 1000);
      try (TestGateway gateway = TestGateway.startReady(config, http)) {
        URI events = gateway.eventsUri();
        KAFKA.sigkill();

        Set<String> delivered = new HashSet<>();
        for (int i = 0; i < 10; i++) {
          String id = Envelopes.newId();
          Reply r = http.post(events, Http.JSON, Envelopes.envelope(id, "order.created"));
          assertThat(r.status()).as("%s", r).isEqualTo(202);
          assertThat(r.json().getString("status")).as("%s", r).isEqualTo("delivered");
          assertThat(r.json().getString("target")).isEqualTo("grpc:orders");
          delivered.add(id);
        }
        Reply otherType = http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "audit.logged"));
        assertThat(otherType.json().getString("status")).as("%s", otherType).isEqualTo("spooled");
        await("the receiver has them").atMost(Duration.ofSeconds(10))
            .until(() -> receivedIds(receiver).containsAll(delivered));

        receiver.sigterm();
        receiver.waitForExit(Duration.ofSeconds(30));
        List<String> spooled = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          String id = Envelopes.newId();
          Reply r = http.post(events, Http.JSON, Envelopes.envelope(id, "order.updated"));
          assertThat(r.status()).as("%s", r).isEqualTo(202);
          assertThat(r.json().getString("status")).as("the receiver is away: %s", r).isEqualTo("spooled");
          spooled.add(id);
        }
        Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
        assertThat(m.sum("sluice_breaker_state", Map.of("breaker", "grpc:orders"))).as("the target's breaker")
            .isEqualTo(2.0);
        assertThat(m.sum("sluice_fallback_events_total", Map.of("via", "grpc:orders", "result", "delivered")))
            .isEqualTo(10.0);
        assertThat(m.sum("sluice_fallback_events_total", Map.of("route", orders, "via", "spool", "result", "spooled")))
            .isEqualTo(10.0);

        KAFKA.start();
        await("the spool drains").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> Metrics.parse(http.get(gateway.adminUri("/metrics")).text()).sum("sluice_spool_events") == 0);
        Set<String> inKafka = new HashSet<>();
        KAFKA.ops().consumeAll(orders, Duration.ofSeconds(30)).forEach(r -> inKafka.add(KafkaOps.header(r, "event-id")));
        assertThat(inKafka).as("spooled order events, relayed").containsAll(spooled);
        assertThat(inKafka).as("delivered ones went to the service, not to Kafka").doesNotContainAnyElementsOf(delivered);
      }
    }
  }

  private static Set<String> receivedIds(ReceiverProcess receiver) {
    Set<String> ids = new HashSet<>();
    for (String line : receiver.received()) {
      ids.add(new io.vertx.core.json.JsonObject(line).getString("eventId"));
    }
    return ids;
  }
}
