package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalRabbit;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.RabbitOps;
import dev.sluice.testsupport.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka → RabbitMQ with a record over RabbitMQ's {@code max_message_size} (a node of the test's own,
 * set to 4 KiB): RabbitMQ closes the channel on it once, the route learns the limit from its reason,
 * dead-letters the record and goes on instead of reconnecting for ever.
 */
class BridgeMaxMessageSizeIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final LocalRabbit RABBIT = new LocalRabbit("bridge-msgsize");

  private final Http http = new Http();

  @Test
  void aRecordOverMaxMessageSizeIsDeadLetteredAndTheRouteStopsReconnecting() throws Exception {
    RABBIT.rabbitmqctl("eval", "application:set_env(rabbit, max_message_size, 4096).");
    RabbitOps rabbit = RABBIT.ops();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("msgsize"), 1);
    String route = RabbitOps.unique("big");
    KAFKA.createTopic(route + ".dlq", 1);
    String exchange = RabbitOps.unique("bigx");
    String queue = RabbitOps.unique("bigq");
    rabbit.exchangeWithQueue(exchange, queue);
    String group = RabbitOps.unique("group");
    byte[] big = new byte[8192];
    new Random(11).nextBytes(big);
    Traffic.send(KAFKA.bootstrap(), List.of(record(topic, "a-1", big), record(topic, "a-2", Traffic.utf8("{}")),
        record(topic, "a-3", Traffic.utf8("{}"))));
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .set("rabbitmq.reconnect-max-ms", 500)
        .bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: %s
            topics: [%s]
            exchange: %s
            routing-key: "{event-type}"
        """.formatted(route, topic, exchange));
    try (TestGateway gateway = TestGateway.startReady(config, http)) {
      Awaitility.await("every record handled, the offsets committed to the end").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(KAFKA.kafkaOps().committedSum(group + "." + route, topic)).isEqualTo(3));
      List<RabbitOps.Message> got = rabbit.consume(queue, 2, Duration.ofSeconds(10), Duration.ofMillis(500));
      assertThat(got).extracting(m -> m.properties().getMessageId()).containsExactly("a-2", "a-3");
      List<ConsumerRecord<byte[], byte[]>> dead = KAFKA.consume(route + ".dlq", 1, Duration.ofSeconds(10));
      assertThat(dead).hasSize(1);
      assertThat(KafkaOps.header(dead.get(0), "event-id")).isEqualTo("a-1");
      assertThat(dead.get(0).value()).isEqualTo(big);
      assertThat(KafkaOps.header(dead.get(0), "sluice-dlq-failure-class")).isEqualTo("refused");
      assertThat(KafkaOps.header(dead.get(0), "sluice-dlq-response")).contains("max_message_size 4096");
      double reconnects = reconnects(gateway, route);
      assertThat(reconnects).as("the channel RabbitMQ closed on the first attempt").isBetween(1.0, 2.0);
      Awaitility.await("no more reconnects").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
          .until(() -> reconnects(gateway, route) == reconnects);
    } finally {
      RABBIT.rabbitmqctl("eval", "application:set_env(rabbit, max_message_size, 134217728).");
    }
  }

  private static double reconnects(TestGateway gateway, String route) {
    return Metrics.parse(gateway.gateway().registry().scrape()).sum("sluice_bridge_reconnects_total",
        Map.of("route", route));
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String eventId, byte[] value) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, Traffic.utf8("a"), value);
    r.headers().add("event-id", Traffic.utf8(eventId));
    r.headers().add("event-type", Traffic.utf8("size.test"));
    return r;
  }
}
