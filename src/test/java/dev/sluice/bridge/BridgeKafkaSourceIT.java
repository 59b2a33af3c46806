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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A Kafka → RabbitMQ route whose Kafka consumer fails: visible in readiness and metrics, and it recovers. */
class BridgeKafkaSourceIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private final Http http = new Http();

  /**
   * Another member holds the route's consumer group with an assignor the bridge does not speak
   * (range; the bridge uses cooperative-sticky): Kafka refuses the bridge consumer's every attempt to
   * join (InconsistentGroupProtocolException on each poll). The gateway is not ready and says why
   * while that lasts; once the other member leaves, the route joins, is ready and bridges.
   */
  @Test
  void aRouteWhoseConsumerKeepsFailingIsNotReadyUntilItPollsAgain() throws Exception {
    int n = 50;
    RabbitOps rabbit = RABBIT.rabbitOps();
    String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("held"), 2);
    String exchange = RabbitOps.unique("heldx");
    String queue = RabbitOps.unique("heldq");
    rabbit.exchangeWithQueue(exchange, queue);
    String prefix = RabbitOps.unique("group");
    Traffic.produce(KAFKA.bootstrap(), topic, 0, n);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", prefix)
        .bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: held-out
            topics: [%s]
            exchange: %s
            routing-key: "{event-type}"
        """.formatted(topic, exchange));
    KafkaConsumer<byte[], byte[]> holder = holder(prefix + ".held-out", topic);
    boolean held = true;
    try {
      try (TestGateway gateway = TestGateway.start(config)) {
        Awaitility.await("not ready while the route's consumer cannot join its group")
            .during(Duration.ofSeconds(2))
            .atMost(Duration.ofSeconds(20))
            .until(() -> {
              Http.Reply r = http.get(gateway.adminUri("/health/ready"));
              return r.status() == 503 && r.text().contains("\"bridge-kafka\":\"DOWN\"")
                  && r.text().contains("InconsistentGroupProtocol") && sourceUp(gateway) == 0;
            });
        assertThat(KAFKA.kafkaOps().committedSum(prefix + ".held-out", topic)).isZero();

        holder.close();
        held = false;
        gateway.awaitReady(http, Duration.ofSeconds(30));
        assertThat(http.get(gateway.adminUri("/health/ready")).text()).contains("\"bridge-kafka\":\"UP\"");
        assertThat(sourceUp(gateway)).isEqualTo(1);
        Traffic.check(Traffic.fromRabbit(rabbit.consume(queue, n, Duration.ofSeconds(30), Duration.ofMillis(500))),
            n, false);
      }
    } finally {
      if (held) {
        holder.close();
      }
    }
  }

  private static double sourceUp(TestGateway gateway) {
    return Metrics.parse(gateway.gateway().registry().scrape())
        .sum("sluice_bridge_kafka_source_up", Map.of("route", "held-out"));
  }

  /** A member of {@code group} on {@code topic} with the range assignor, assigned its partitions. */
  private static KafkaConsumer<byte[], byte[]> holder(String group, String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", KAFKA.bootstrap());
    p.put("group.id", group);
    p.put("enable.auto.commit", "false"); // commits nothing: the route starts from the beginning
    p.put("partition.assignment.strategy", RangeAssignor.class.getName());
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    Awaitility.await("the holder assigned").atMost(Duration.ofSeconds(30))
        .until(() -> {
          c.poll(Duration.ofMillis(100));
          return !c.assignment().isEmpty();
        });
    return c;
  }
}
