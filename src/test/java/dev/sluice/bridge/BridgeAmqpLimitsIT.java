package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.RabbitBroker;
import dev.sluice.testsupport.RabbitOps;
import dev.sluice.testsupport.TestGateway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka → RabbitMQ with values past AMQP's limits (a short string holds 255 bytes) and with a broker
 * that refuses (nacks) publishes: no key is jammed, no confirm lands on the wrong message, and no
 * offset is committed past a message RabbitMQ did not take.
 */
class BridgeAmqpLimitsIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private static final String LONG = "c".repeat(300);
  private final Http http = new Http();

  /**
   * Two records of key {@code a}, the first with a 300-byte correlation-id (too long for the AMQP
   * property: it travels as a header), a record whose rendered routing key is 300 bytes (refused for
   * good: not published, dead-lettered, committed), and one of key {@code b}. Everything else arrives,
   * each confirm is counted once, and the committed offsets reach the end of the partition.
   */
  @Test
  void longValuesNeitherJamTheirKeyNorShiftConfirms() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("limits"), 1);
    String exchange = RabbitOps.unique("limitsx");
    String queue = RabbitOps.unique("limitsq");
    rabbit.exchangeWithQueue(exchange, queue);
    String group = RabbitOps.unique("group");
    String deadLetters = KAFKA.createTopic(KafkaOps.uniqueTopic("limits-dlq"), 1);
    Traffic.send(KAFKA.bootstrap(), List.of(
        record(topic, 0, "a", "a-1", "limits.test", LONG),
        record(topic, 0, "r", "r-1", "t".repeat(300), "corr-r"),
        record(topic, 0, "a", "a-2", "limits.test", "corr-a2"),
        record(topic, 0, "b", "b-1", "limits.test", "corr-b")));
    try (TestGateway gateway = TestGateway.startReady(config(topic, exchange, group, deadLetters), http)) {
      Awaitility.await("every record handled, the offsets committed to the end").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(KAFKA.kafkaOps().committedSum(group + ".limits", topic)).isEqualTo(4));
      assertThat(KAFKA.consume(deadLetters, 1, Duration.ofSeconds(10)))
          .extracting(r -> KafkaOps.header(r, "event-id")).containsExactly("r-1");
      List<RabbitOps.Message> got = rabbit.consume(queue, 3, Duration.ofSeconds(10), Duration.ofMillis(500));
      List<String> ids = got.stream().map(msg -> msg.properties().getMessageId()).toList();
      assertThat(ids).containsExactlyInAnyOrder("a-1", "a-2", "b-1");
      assertThat(ids.indexOf("a-1")).as("key a in order").isLessThan(ids.indexOf("a-2"));
      RabbitOps.Message first = got.get(ids.indexOf("a-1"));
      assertThat(first.properties().getCorrelationId()).isNull();
      assertThat(Traffic.RabbitHeaders.text(first.properties().getHeaders().get("correlation-id"))).isEqualTo(LONG);
      assertThat(got.get(ids.indexOf("a-2")).properties().getCorrelationId()).isEqualTo("corr-a2");
      Metrics m = Metrics.parse(gateway.gateway().registry().scrape());
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", "limits", "result", "bridged"))).isEqualTo(3);
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", "limits", "result", "dead-lettered")))
          .isEqualTo(1);
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", "limits", "result", "refused"))).isZero();
      assertThat(m.sum("sluice_bridge_inflight", Map.of("route", "limits"))).isZero();
      assertThat(m.sum("sluice_bridge_unconfirmed", Map.of("route", "limits"))).isZero();
    }
  }

  /**
   * A queue that takes three messages and refuses more (x-overflow=reject-publish: RabbitMQ nacks the
   * publish), twelve records of twelve keys, the first with a 300-byte header. While the queue is full,
   * every committed offset is covered by a message in the queue; once the test drains the queue, every
   * record arrives (a nack taken for a confirm would have lost one).
   */
  @Test
  void noOffsetIsCommittedPastAMessageRabbitMQRefused() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("nack"), 2);
    String exchange = RabbitOps.unique("nackx");
    String queue = RabbitOps.unique("nackq");
    rabbit.exchangeWithQueue(exchange, queue, Map.of("x-max-length", 3, "x-overflow", "reject-publish"));
    String group = RabbitOps.unique("group");
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      int partition = i / 6;
      records.add(record(topic, partition, "k" + i, "p" + partition + "-" + (i % 6), "limits.test",
          i == 0 ? LONG : "corr-" + i));
    }
    Traffic.send(KAFKA.bootstrap(), records);
    try (TestGateway gateway = TestGateway.startReady(config(topic, exchange, group, topic + ".dlq"), http)) {
      Awaitility.await("the queue full, and RabbitMQ refusing more").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> {
            assertThat(rabbit.messageCount(queue)).isEqualTo(3);
            assertThat(Metrics.parse(gateway.gateway().registry().scrape())
                .sum("sluice_bridge_retries_total", Map.of("route", "limits"))).isGreaterThanOrEqualTo(9);
          });
      Map<Integer, Long> committed = new HashMap<>();
      Awaitility.await("commits while the queue is full")
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            KAFKA.kafkaOps().committed(group + ".limits", topic).forEach((p, o) -> committed.merge(p, o, Math::max));
            return committed.values().stream().mapToLong(Long::longValue).sum() <= 3;
          });

      List<RabbitOps.Message> got = rabbit.consume(queue, 12, Duration.ofSeconds(60), Duration.ofSeconds(1));
      List<String> ids = got.stream().map(msg -> msg.properties().getMessageId()).toList();
      // the first three drained were in the queue while it was full: they cover every committed offset
      Set<String> inFullQueue = new HashSet<>(ids.subList(0, Math.min(3, ids.size())));
      committed.forEach((partition, offset) -> {
        for (long o = 0; o < offset; o++) {
          assertThat(inFullQueue).as("committed p%s@%s while RabbitMQ held %s", partition, o, inFullQueue)
              .contains("p" + partition + "-" + o);
        }
      });
      Set<String> expected = new HashSet<>();
      records.forEach(r -> expected.add(new String(r.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8)));
      assertThat(new HashSet<>(ids)).as("every record arrived").isEqualTo(expected);
      Awaitility.await("every offset committed").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(KAFKA.kafkaOps().committedSum(group + ".limits", topic)).isEqualTo(12));
    }
  }

  private static GatewayConfig config(String topic, String exchange, String group, String deadLetters) {
    return GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: limits
            topics: [%s]
            exchange: %s
            routing-key: "events.{event-type}"
            dead-letter: %s
        """.formatted(topic, exchange, deadLetters));
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String key, String eventId,
      String eventType, String correlationId) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, Traffic.utf8(key),
        Traffic.utf8("{\"id\":\"" + eventId + "\"}"));
    r.headers().add("event-id", Traffic.utf8(eventId));
    r.headers().add("event-type", Traffic.utf8(eventType));
    r.headers().add("correlation-id", Traffic.utf8(correlationId));
    return r;
  }
}
