package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.RabbitBroker;
import dev.sluice.testsupport.RabbitOps;
import dev.sluice.testsupport.RecordingSink;
import dev.sluice.testsupport.TestGateway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A subscription reading a RabbitMQ queue (real RabbitMQ, Kafka, PostgreSQL and an HTTP sink on a real
 * port): every message reaches the sink in its key's order and is acked; a poison message is
 * dead-lettered to the subscription's exchange (and its queue) with its metadata, and acked.
 */
class SubscriptionQueueIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  @Test
  void aQueueIsDeliveredInKeyOrderAndItsPoisonGoesToTheDeadLetterExchange() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String queue = RabbitOps.unique("sub-queue");
    rabbit.queue(queue);
    String name = "q-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    List<AMQP.BasicProperties> props = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    Set<String> good = new HashSet<>();
    Set<String> poison = new HashSet<>();
    for (int seq = 0; seq < 2000; seq++) {
      String id = Envelopes.newId();
      boolean bad = seq % 500 == 499;
      (bad ? poison : good).add(id);
      String key = "k" + (seq % 20);
      props.add(new AMQP.BasicProperties.Builder().messageId(id).type("order.placed").deliveryMode(2)
          .headers(Map.of("kafka-key", key)).build());
      bodies.add(Envelopes.envelope(id, "order.placed", key, null, "{\"seq\":" + seq + (bad ? ",\"poison\":true" : "")
          + "}").getBytes(StandardCharsets.UTF_8));
    }
    rabbit.publish(queue, props, bodies);

    Http http = new Http(Duration.ofSeconds(30));
    try (RecordingSink sink = new RecordingSink().failRate(0.05);
        TestGateway g = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
            .route("#", KAFKA.uniqueTopic("unused"))
            .set("rabbitmq.uri", RABBIT.uri())
            .set("store.uri", PostgresDb.uri())
            .set("store.schema", PostgresDb.uniqueSchema())
            .subscriptions("""
                subscriptions:
                  - name: %s
                    source: {queue: %s}
                    sink: {http: "%s"}
                    concurrency: 16
                    timeout-ms: 1000
                    retry: {initial-ms: 10, max-delay-ms: 100, max-attempts: 20}
                """.formatted(name, queue, sink.url())), http)) {
      await("every good message delivered").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
          .until(() -> sink.ids().containsAll(good));
      assertThat(sink.ids()).doesNotContainAnyElementsOf(poison);
      assertThat(sink.outOfOrder()).as("keys out of order").isEmpty();
      await("the poison dead-lettered, everything acked").atMost(Duration.ofSeconds(30))
          .until(() -> rabbit.messageCount(name + ".dlq") == poison.size() && rabbit.messageCount(queue) == 0);
      List<RabbitOps.Message> dead = rabbit.consume(name + ".dlq", poison.size(), Duration.ofSeconds(10),
          Duration.ofSeconds(1));
      Set<String> deadIds = new HashSet<>();
      for (RabbitOps.Message m : dead) {
        deadIds.add(m.properties().getMessageId());
        Map<String, Object> h = m.properties().getHeaders();
        assertThat(String.valueOf(h.get("sluice-dlq-subscription"))).isEqualTo(name);
        assertThat(String.valueOf(h.get("sluice-dlq-queue"))).isEqualTo(queue);
        assertThat(String.valueOf(h.get("sluice-dlq-status"))).isEqualTo("400");
        assertThat(String.valueOf(h.get("sluice-dlq-failure-class"))).isEqualTo("status");
        assertThat(new String(m.body(), StandardCharsets.UTF_8)).contains("\"poison\":true");
      }
      assertThat(deadIds).isEqualTo(poison);
      JsonLike.assertDepth(http, g, name, poison.size());
    }
  }

  /** The dead-letter index holds them too. */
  private static final class JsonLike {
    static void assertDepth(Http http, TestGateway g, String name, int depth) throws Exception {
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        var subs = http.get(g.adminUri("/admin/dlq")).json().getJsonArray("subscriptions");
        for (int i = 0; i < subs.size(); i++) {
          if (subs.getJsonObject(i).getString("name").equals(name)) {
            return subs.getJsonObject(i).getLong("depth") == depth
                && subs.getJsonObject(i).getString("target").equals("rabbitmq:" + name + ".dlq");
          }
        }
        return false;
      });
    }
  }
}
