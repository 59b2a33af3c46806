package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bridged message the far side refuses for good goes to its route's dead-letter target (default
 * {@code <route>.dlq}) with the {@code sluice-dlq-*} metadata, and its key flows on.
 */
class BridgeDeadLetterIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private static final String LONG_TYPE = "t".repeat(300);
  private static final byte[] ODD_VALUE = {0, 1, 2, (byte) 0xff, (byte) 0xfe, '{', '}'};
  private final Http http = new Http();

  /**
   * Three records of key {@code a}, the first with a 300-byte routing key (AMQP holds 255): it is in
   * {@code <route>.dlq} with its value bytes, its headers and one of each dead-letter header; the
   * other two are bridged after it, in order, and every offset is committed.
   */
  @Test
  void aRecordRabbitMQCannotTakeIsDeadLetteredAndItsKeyFlowsOn() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("k2rdlq"), 1);
    String route = RabbitOps.unique("k2r");
    KAFKA.createTopic(route + ".dlq", 1);
    String exchange = RabbitOps.unique("dlqx");
    String queue = RabbitOps.unique("dlqq");
    rabbit.exchangeWithQueue(exchange, queue);
    String group = RabbitOps.unique("group");
    ProducerRecord<byte[], byte[]> refused = record(topic, "a", "a-1", LONG_TYPE, ODD_VALUE);
    refused.headers().add("traceparent", Traffic.utf8(Traffic.TRACEPARENT));
    refused.headers().add("x-custom", Traffic.utf8("kept"));
    Traffic.send(KAFKA.bootstrap(), List.of(refused,
        record(topic, "a", "a-2", "dlq.test", Traffic.utf8("{}")),
        record(topic, "a", "a-3", "dlq.test", Traffic.utf8("{}"))));
    try (TestGateway gateway = TestGateway.startReady(k2r(route, topic, exchange, group), http)) {
      Awaitility.await("every record handled, the offsets committed to the end").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(KAFKA.kafkaOps().committedSum(group + "." + route, topic)).isEqualTo(3));
      List<RabbitOps.Message> got = rabbit.consume(queue, 2, Duration.ofSeconds(10), Duration.ofMillis(500));
      assertThat(got).extracting(m -> m.properties().getMessageId()).containsExactly("a-2", "a-3");

      List<ConsumerRecord<byte[], byte[]>> dead = KAFKA.consume(route + ".dlq", 1, Duration.ofSeconds(10));
      assertThat(dead).hasSize(1);
      ConsumerRecord<byte[], byte[]> d = dead.get(0);
      assertThat(new String(d.key(), StandardCharsets.UTF_8)).isEqualTo("a");
      assertThat(d.value()).isEqualTo(ODD_VALUE);
      assertThat(KafkaOps.header(d, "event-id")).isEqualTo("a-1");
      assertThat(KafkaOps.header(d, "event-type")).isEqualTo(LONG_TYPE);
      assertThat(KafkaOps.header(d, "traceparent")).isEqualTo(Traffic.TRACEPARENT);
      assertThat(KafkaOps.header(d, "x-custom")).isEqualTo("kept");
      Map<String, List<String>> dlq = dlqHeaders(d);
      assertThat(dlq.values()).as("one of each dead-letter header").allMatch(v -> v.size() == 1);
      assertThat(dlq.get("sluice-dlq-subscription")).containsExactly(route);
      assertThat(dlq.get("sluice-dlq-source")).containsExactly("kafka");
      assertThat(dlq.get("sluice-dlq-topic")).containsExactly(topic);
      assertThat(dlq.get("sluice-dlq-partition")).containsExactly("0");
      assertThat(dlq.get("sluice-dlq-offset")).containsExactly("0");
      assertThat(dlq.get("sluice-dlq-timestamp")).containsExactly(Long.toString(T_A1));
      assertThat(dlq.get("sluice-dlq-attempts")).containsExactly("1");
      assertThat(dlq.get("sluice-dlq-failure-class")).containsExactly("unencodable");
      assertThat(dlq.get("sluice-dlq-response").get(0)).contains("routing key");
      assertThat(dlq).doesNotContainKey("sluice-dlq-status");

      Metrics m = Metrics.parse(gateway.gateway().registry().scrape());
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", route, "result", "dead-lettered"))).isEqualTo(1);
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", route, "result", "bridged"))).isEqualTo(2);
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", route, "result", "refused"))).isZero();
      assertThat(m.sum("sluice_bridge_inflight", Map.of("route", route))).isZero();
    }
  }

  /**
   * A record that already carries dead-letter headers (as if read from a dead-letter topic) refused
   * again: its dead letter has one of each, the new ones; the old {@code sluice-dlq-status} is gone.
   */
  @Test
  void deadLetterHeadersAreReplacedNotAppended() throws Exception {
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("k2rdlq2"), 1);
    String route = RabbitOps.unique("k2r");
    KAFKA.createTopic(route + ".dlq", 1);
    String exchange = RabbitOps.unique("dlqx");
    RABBIT.rabbitOps().exchangeWithQueue(exchange, RabbitOps.unique("dlqq"));
    String group = RabbitOps.unique("group");
    ProducerRecord<byte[], byte[]> again = record(topic, "b", "b-1", LONG_TYPE, Traffic.utf8("{\"b\":1}"));
    again.headers().add("sluice-dlq-subscription", Traffic.utf8("an-old-one"));
    again.headers().add("sluice-dlq-offset", Traffic.utf8("999"));
    again.headers().add("sluice-dlq-failure-class", Traffic.utf8("status"));
    again.headers().add("sluice-dlq-status", Traffic.utf8("500"));
    again.headers().add("sluice-dlq-attempts", Traffic.utf8("7"));
    Traffic.send(KAFKA.bootstrap(), List.of(again));
    try (TestGateway gateway = TestGateway.startReady(k2r(route, topic, exchange, group), http)) {
      List<ConsumerRecord<byte[], byte[]>> dead = KAFKA.consume(route + ".dlq", 1, Duration.ofSeconds(30));
      assertThat(dead).hasSize(1);
      Map<String, List<String>> dlq = dlqHeaders(dead.get(0));
      assertThat(dlq.values()).as("one of each dead-letter header").allMatch(v -> v.size() == 1);
      assertThat(dlq.get("sluice-dlq-subscription")).containsExactly(route);
      assertThat(dlq.get("sluice-dlq-offset")).containsExactly("0");
      assertThat(dlq.get("sluice-dlq-failure-class")).containsExactly("unencodable");
      assertThat(dlq.get("sluice-dlq-attempts")).containsExactly("1");
      assertThat(dlq).doesNotContainKey("sluice-dlq-status");
      assertThat(KafkaOps.header(dead.get(0), "event-id")).isEqualTo("b-1");
      Awaitility.await("committed").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(KAFKA.kafkaOps().committedSum(group + "." + route, topic)).isEqualTo(1));
      assertThat(Metrics.parse(gateway.gateway().registry().scrape())
          .sum("sluice_bridge_messages_total", Map.of("route", route, "result", "dead-lettered"))).isEqualTo(1);
    }
  }

  /**
   * A RabbitMQ message larger than its topic takes ({@code max.message.bytes} 1024) is published to the
   * route's dead-letter exchange (declared by the gateway with a queue of the same name) with its body,
   * properties and the dead-letter headers, acked at its source; the next message of its key reaches
   * Kafka.
   */
  @Test
  void aMessageKafkaRefusesForGoodIsDeadLetteredAckedAndItsKeyFlowsOn() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KafkaOps.uniqueTopic("r2kdlq");
    KAFKA.kafkaOps().createTopic(topic, 1, Map.of("max.message.bytes", "1024"));
    String queue = RabbitOps.unique("r2kq");
    rabbit.queue(queue);
    String route = RabbitOps.unique("r2k");
    byte[] random = new byte[3072];
    new java.util.Random(7).nextBytes(random); // what compresses does not make a record too large
    byte[] big = ("{\"pad\":\"" + java.util.Base64.getEncoder().encodeToString(random) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    List<AMQP.BasicProperties> props = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Map<String, Object> headers = new HashMap<>();
      headers.put("kafka-key", "big");
      headers.put("traceparent", Traffic.TRACEPARENT);
      props.add(new AMQP.BasicProperties.Builder().messageId("big-" + i).correlationId("corr-" + i)
          .type("dlq.test").contentType("application/json").deliveryMode(2).headers(headers).build());
      bodies.add(i == 1 ? big : Traffic.utf8("{\"seq\":" + i + "}"));
    }
    rabbit.publish(queue, props, bodies);
    GatewayConfig config = Traffic.rabbitToKafka(KAFKA.bootstrap(), RABBIT.uri(), route, queue, topic, 1000);
    try (TestGateway gateway = TestGateway.startReady(config, http)) {
      Awaitility.await("the others of the key in Kafka").atMost(Duration.ofSeconds(60))
          .until(() -> KAFKA.endOffsetsSum(topic) == 2);
      List<ConsumerRecord<byte[], byte[]>> inKafka = KAFKA.consume(topic, 2, Duration.ofSeconds(10));
      assertThat(inKafka).extracting(r -> KafkaOps.header(r, "event-id")).containsExactly("big-2", "big-3");

      List<RabbitOps.Message> dead = rabbit.consume(route + ".dlq", 1, Duration.ofSeconds(10), Duration.ofMillis(500));
      assertThat(dead).hasSize(1);
      RabbitOps.Message d = dead.get(0);
      assertThat(d.body()).isEqualTo(big);
      AMQP.BasicProperties p = d.properties();
      assertThat(p.getMessageId()).isEqualTo("big-1");
      assertThat(p.getCorrelationId()).isEqualTo("corr-1");
      assertThat(p.getType()).isEqualTo("dlq.test");
      assertThat(p.getContentType()).isEqualTo("application/json");
      assertThat(p.getDeliveryMode()).isEqualTo(2);
      Map<String, Object> h = p.getHeaders();
      assertThat(text(h.get("kafka-key"))).isEqualTo("big");
      assertThat(text(h.get("traceparent"))).isEqualTo(Traffic.TRACEPARENT);
      assertThat(text(h.get("sluice-dlq-subscription"))).isEqualTo(route);
      assertThat(text(h.get("sluice-dlq-source"))).isEqualTo("rabbitmq");
      assertThat(text(h.get("sluice-dlq-queue"))).isEqualTo(queue);
      assertThat(text(h.get("sluice-dlq-attempts"))).isEqualTo("1");
      assertThat(text(h.get("sluice-dlq-failure-class"))).isEqualTo("refused");
      assertThat(text(h.get("sluice-dlq-response"))).isNotBlank();
      assertThat(h).doesNotContainKey("sluice-dlq-topic");

      Awaitility.await("acked at its source").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(rabbit.messageCount(queue)).isZero();
        Metrics m = Metrics.parse(gateway.gateway().registry().scrape());
        assertThat(m.sum("sluice_bridge_inflight", Map.of("route", route))).isZero();
      });
      Metrics m = Metrics.parse(gateway.gateway().registry().scrape());
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", route, "result", "dead-lettered"))).isEqualTo(1);
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", route, "result", "bridged"))).isEqualTo(2);
      assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", route, "result", "refused"))).isZero();
    }
  }

  /**
   * A RabbitMQ → Kafka route whose dead-letter exchange exists with another type: the gateway names
   * it in its log and is not ready (the dead-letter connection stays down); once the exchange is gone
   * the route declares its own and is ready.
   */
  @Test
  void aDeadLetterExchangeOfAnotherTypeIsNamedAndKeepsTheRouteNotReady() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String queue = RabbitOps.unique("r2kq");
    rabbit.queue(queue);
    String route = RabbitOps.unique("r2k");
    String deadLetters = route + ".dlq";
    rabbit.run(ch -> ch.exchangeDeclare(deadLetters, com.rabbitmq.client.BuiltinExchangeType.TOPIC, true));
    GatewayConfig config = Traffic.rabbitToKafka(KAFKA.bootstrap(), RABBIT.uri(), route, queue,
        KafkaOps.uniqueTopic("r2kdlq"), 500);
    try (GatewayProcess g = GatewayProcess.launch(config, GatewayProcess.options().name("dlx-type"))) {
      Awaitility.await("not ready, the exchange named").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertThat(g.logText()).contains("route " + route + ": cannot declare its dead-letter exchange '"
            + deadLetters + "'").contains("inequivalent arg 'type'");
        Http.Reply r = http.get(g.adminUri("/health/ready"));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.text()).contains("\"rabbitmq\":\"DOWN\"");
      });
      rabbit.run(ch -> ch.exchangeDelete(deadLetters));
      g.awaitReady(http, Duration.ofSeconds(30));
    } finally {
      rabbit.run(ch -> ch.exchangeDelete(deadLetters));
    }
  }

  private static final long T_A1 = Traffic.timestamp(1);

  private static GatewayConfig k2r(String route, String topic, String exchange, String group) {
    return GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: %s
            topics: [%s]
            exchange: %s
            routing-key: "events.{event-type}"
        """.formatted(route, topic, exchange));
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, String eventId, String eventType,
      byte[] value) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, T_A1, Traffic.utf8(key), value);
    r.headers().add("event-id", Traffic.utf8(eventId));
    r.headers().add("event-type", Traffic.utf8(eventType));
    return r;
  }

  /** The {@code sluice-dlq-*} headers of a record, each with every value it has. */
  private static Map<String, List<String>> dlqHeaders(ConsumerRecord<byte[], byte[]> r) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Header h : r.headers()) {
      if (h.key().startsWith("sluice-dlq-")) {
        out.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(new String(h.value(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static String text(Object v) {
    return Traffic.RabbitHeaders.text(v);
  }
}
