package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
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
import java.util.Date;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bridge against real Kafka and real RabbitMQ: volume both ways, mapping, order, loops. */
class BridgeIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private final Http http = new Http();

  @Test
  void bridgesOneHundredThousandEachWayWithHeadersMappedAndKeysInOrder() throws Exception {
    int n = 100_000;
    RabbitOps rabbit = RABBIT.rabbitOps();
    String inTopic = KAFKA.createTopic(KafkaOps.uniqueTopic("k2r"), 4);
    String outTopic = KAFKA.createTopic(KafkaOps.uniqueTopic("r2k"), 4);
    String exchange = RabbitOps.unique("x");
    String farQueue = RabbitOps.unique("far");
    String inQueue = RabbitOps.unique("in");
    rabbit.exchangeWithQueue(exchange, farQueue);
    rabbit.queue(inQueue);
    String group = RabbitOps.unique("group");
    Traffic.produce(KAFKA.bootstrap(), inTopic, 0, n);
    Traffic.publish(rabbit, inQueue, 0, n);

    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group).bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: out
            topics: [%s]
            exchange: %s
            routing-key: "events.{event-type}"
        rabbitmq-to-kafka:
          - name: in
            queues: [%s]
            topic: %s
            key: header:kafka-key
        """.formatted(inTopic, exchange, inQueue, outTopic));
    try (TestGateway gateway = TestGateway.startReady(config, http)) {
      List<RabbitOps.Message> toRabbit = rabbit.consume(farQueue, n, Duration.ofSeconds(120), Duration.ofSeconds(1));
      List<ConsumerRecord<byte[], byte[]>> toKafka = KAFKA.consume(outTopic, n, Duration.ofSeconds(120));

      Traffic.check(Traffic.fromRabbit(toRabbit), n, true);
      Traffic.check(Traffic.fromKafka(toKafka), n, true);

      RabbitOps.Message m = toRabbit.stream().filter(x -> x.properties().getCorrelationId().equals("corr-7"))
          .findFirst().orElseThrow();
      AMQP.BasicProperties p = m.properties();
      assertThat(m.routingKey()).isEqualTo("events.bridge.test");
      assertThat(p.getType()).isEqualTo("bridge.test");
      assertThat(p.getContentType()).isEqualTo("application/json");
      assertThat(p.getDeliveryMode()).isEqualTo(2);
      assertThat(p.getTimestamp()).isEqualTo(new Date(Traffic.timestamp(7)));
      assertThat(Traffic.RabbitHeaders.text(p.getHeaders().get("traceparent"))).isEqualTo(Traffic.TRACEPARENT);
      assertThat(Traffic.RabbitHeaders.text(p.getHeaders().get("event-version"))).isEqualTo("1");
      assertThat(Traffic.RabbitHeaders.text(p.getHeaders().get("kafka-key"))).isEqualTo(Traffic.key(7));
      assertThat(Traffic.RabbitHeaders.text(p.getHeaders().get("sluice-hops"))).isEqualTo("1");

      ConsumerRecord<byte[], byte[]> r = toKafka.stream().filter(x -> "corr-7".equals(KafkaOps.header(x, "correlation-id")))
          .findFirst().orElseThrow();
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(Traffic.key(7));
      assertThat(KafkaOps.header(r, "event-type")).isEqualTo("bridge.test");
      assertThat(KafkaOps.header(r, "content-type")).isEqualTo("application/json");
      assertThat(KafkaOps.header(r, "traceparent")).isEqualTo(Traffic.TRACEPARENT);
      assertThat(KafkaOps.header(r, "event-version")).isEqualTo("1");
      assertThat(KafkaOps.header(r, "sluice-hops")).isEqualTo("1");
      assertThat(r.timestamp()).isEqualTo(Traffic.timestamp(7));

      Awaitility.await("offsets committed and deliveries acked").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(rabbit.messageCount(inQueue)).isZero();
        assertThat(KAFKA.kafkaOps().committedSum(group + ".out", inTopic)).isEqualTo(n);
      });
      String metrics = gateway.gateway().registry().scrape();
      assertThat(counter(metrics, "out", "bridged")).isEqualTo(n);
      assertThat(counter(metrics, "in", "bridged")).isEqualTo(n);
      assertThat(http.get(gateway.adminUri("/health/ready")).text()).contains("\"rabbitmq\":\"UP\"");
    }
  }

  @Test
  void routesFormingALoopCrossEachMessageOnce() throws Exception {
    int n = 1000;
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("loop"), 2);
    String exchange = RabbitOps.unique("loopx");
    String queue = RabbitOps.unique("loopq");
    rabbit.exchangeWithQueue(exchange, queue);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", RabbitOps.unique("group")).bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: loop-out
            topics: [%s]
            exchange: %s
            routing-key: "{event-type}"
        rabbitmq-to-kafka:
          - name: loop-in
            queues: [%s]
            topic: %s
        """.formatted(topic, exchange, queue, topic));
    try (TestGateway gateway = TestGateway.startReady(config, http)) {
      Traffic.produce(KAFKA.bootstrap(), topic, 0, n);
      Traffic.publish(rabbit, queue, n, 2 * n);
      Awaitility.await("both routes saw both halves").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        String m = gateway.gateway().registry().scrape();
        assertThat(counter(m, "loop-out", "bridged")).isEqualTo(n);
        assertThat(counter(m, "loop-out", "skipped-loop")).isEqualTo(n);
        assertThat(counter(m, "loop-in", "bridged")).isEqualTo(n);
        assertThat(counter(m, "loop-in", "skipped-loop")).isEqualTo(n);
      });
      // nothing echoes: the topic holds the n produced plus the n that came from RabbitMQ, and keeps
      // holding exactly that for a while (an echo would show up within it)
      Awaitility.await("no echo")
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(5))
          .until(() -> KAFKA.endOffsetsSum(topic) == 2L * n);
      assertThat(rabbit.messageCount(queue)).isZero();
    }
  }

  /**
   * A message Kafka refuses for good (stamped two hours ahead; Kafka takes at most one) whose dead
   * letter cannot be encoded either (its headers fill an AMQP frame) has no dead-letter path: it is
   * parked, not retried: counted as refused, unacknowledged, holding only its key, while the other keys
   * flow on (retrying it would also fail the records batched with it). A stopping gateway does not wait
   * for it: it is back in its queue at once.
   */
  @Test
  void aMessageWithNoDeadLetterPathIsParkedAndHoldsOnlyItsKey() throws Exception {
    int n = 1000;
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("poison"), 2);
    String queue = RabbitOps.unique("poisonq");
    rabbit.queue(queue);
    Traffic.publishRefusedWithNoDeadLetterPath(rabbit, queue);
    Traffic.publish(rabbit, queue, 0, n);
    GatewayConfig config = Traffic.rabbitToKafka(KAFKA.bootstrap(), RABBIT.uri(), "poison-in", queue, topic, 5000);
    TestGateway gateway = TestGateway.startReady(config, http);
    try {
      Awaitility.await("the other keys bridged, the refused message parked")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> {
            Metrics m = Metrics.parse(gateway.gateway().registry().scrape());
            assertThat(m.sum("sluice_bridge_messages_total", java.util.Map.of("route", "poison-in", "result", "bridged")))
                .isEqualTo(n);
            assertThat(m.sum("sluice_bridge_messages_total", java.util.Map.of("route", "poison-in", "result", "refused")))
                .isEqualTo(1);
            assertThat(m.sum("sluice_bridge_inflight", java.util.Map.of("route", "poison-in"))).isEqualTo(1);
          });
      assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(n);
    } finally {
      long t0 = System.nanoTime();
      gateway.close();
      // the drain timeout is 30 s: a drain that waited for the parked message would take all of it
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }
    List<RabbitOps.Message> left = rabbit.consume(queue, 1, Duration.ofSeconds(30), Duration.ofMillis(500));
    assertThat(left).extracting(m -> m.properties().getMessageId()).containsExactly(Traffic.REFUSED_ID);
  }

  /**
   * A Kafka → RabbitMQ route to an exchange that does not exist yet: RabbitMQ closes the channel on the
   * first publish, nothing is committed and the route keeps trying; once the exchange is declared
   * every record arrives.
   */
  @Test
  void aRouteToAMissingExchangeLosesNothingAndRecoversOnceItExists() throws Exception {
    int n = 500;
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("noexchange"), 2);
    String exchange = RabbitOps.unique("later");
    String queue = RabbitOps.unique("laterq");
    String group = RabbitOps.unique("group");
    Traffic.produce(KAFKA.bootstrap(), topic, 0, n);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .set("rabbitmq.reconnect-max-ms", 500)
        .bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: later-out
            topics: [%s]
            exchange: %s
            routing-key: "{event-type}"
        """.formatted(topic, exchange));
    try (TestGateway gateway = TestGateway.startReady(config, http)) {
      Awaitility.await("the channel closed by RabbitMQ, and the route reconnecting")
          .atMost(Duration.ofSeconds(30))
          .until(() -> Metrics.parse(gateway.gateway().registry().scrape())
              .sum("sluice_bridge_reconnects_total", java.util.Map.of("route", "later-out")) >= 2);
      assertThat(counter(gateway.gateway().registry().scrape(), "later-out", "bridged")).isZero();
      assertThat(KAFKA.kafkaOps().committedSum(group + ".later-out", topic)).isZero();

      rabbit.exchangeWithQueue(exchange, queue);
      Awaitility.await("everything bridged once the exchange exists").atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(KAFKA.kafkaOps().committedSum(group + ".later-out", topic)).isEqualTo(n));
      Traffic.check(Traffic.fromRabbit(rabbit.consume(queue, n, Duration.ofSeconds(30), Duration.ofMillis(500))),
          n, false);
    }
  }

  /**
   * A RabbitMQ → Kafka route on a queue that does not exist yet: its consumer cannot be set up, so the
   * link is not up and readiness says so; once the queue exists the route connects and bridges.
   */
  @Test
  void aRouteOnAMissingQueueIsNotReadyUntilTheQueueExists() throws Exception {
    int n = 200;
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("noqueue"), 2);
    String queue = RabbitOps.unique("laterq");
    GatewayConfig config = Traffic.rabbitToKafka(KAFKA.bootstrap(), RABBIT.uri(), "later-in", queue, topic, 500);
    try (TestGateway gateway = TestGateway.start(config)) {
      Awaitility.await("not ready: the route's consumer cannot be set up")
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> {
            Http.Reply r = http.get(gateway.adminUri("/health/ready"));
            return r.status() == 503 && r.text().contains("\"rabbitmq\":\"DOWN\"");
          });
      rabbit.queue(queue);
      Traffic.publish(rabbit, queue, 0, n);
      gateway.awaitReady(http, Duration.ofSeconds(30));
      Awaitility.await("bridged once the queue exists").atMost(Duration.ofSeconds(60))
          .until(() -> KAFKA.endOffsetsSum(topic) == n);
    }
  }

  static double counter(String metrics, String route, String result) {
    return Metrics.parse(metrics).sum("sluice_bridge_messages_total", java.util.Map.of("result", result, "route", route));
  }
}
