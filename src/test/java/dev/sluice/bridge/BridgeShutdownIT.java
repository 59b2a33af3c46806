package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.RabbitBroker;
import dev.sluice.testsupport.RabbitOps;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real artifact bridging both ways gets SIGTERM mid-stream and is started again: nothing lost. */
class BridgeShutdownIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private static final int N = 20_000;
  private final Http http = new Http();

  @Test
  void sigtermMidStreamThenRestartDeliversEverything() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String inTopic = KAFKA.createTopic(KafkaOps.uniqueTopic("k2r"), 4);
    String outTopic = KAFKA.createTopic(KafkaOps.uniqueTopic("r2k"), 4);
    String exchange = RabbitOps.unique("x");
    String farQueue = RabbitOps.unique("far");
    String inQueue = RabbitOps.unique("in");
    String group = RabbitOps.unique("group");
    rabbit.exchangeWithQueue(exchange, farQueue);
    rabbit.queue(inQueue);
    Traffic.produce(KAFKA.bootstrap(), inTopic, 0, N);
    Traffic.publish(rabbit, inQueue, 0, N);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .set("bridge.max-in-flight", 2000)
        .set("bridge.max-in-flight-per-source", 200)
        .bridge(RABBIT.uri(), """
        kafka-to-rabbitmq:
          - name: out
            topics: [%s]
            exchange: %s
            routing-key: "{event-type}"
        rabbitmq-to-kafka:
          - name: in
            queues: [%s]
            topic: %s
        """.formatted(inTopic, exchange, inQueue, outTopic));

    try (GatewayProcess first = GatewayProcess.start(config, GatewayProcess.options().name("bridge-1"), http,
        Duration.ofSeconds(60))) {
      Awaitility.await("bridging under way").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            Metrics m = Metrics.parse(http.get(first.adminUri("/metrics")).text());
            return m.sum("sluice_bridge_messages_total", Map.of("route", "out")) >= 2000
                && m.sum("sluice_bridge_messages_total", Map.of("route", "in")) >= 2000;
          });
      first.sigterm();
      OptionalInt exit = first.waitForExit(Duration.ofSeconds(60));
      assertThat(exit).as("exit code\n" + first.logTail(30)).hasValue(0);
    }
    assertThat(KAFKA.kafkaOps().committedSum(group + ".out", inTopic)).as("committed on the way out").isPositive();

    try (GatewayProcess second = GatewayProcess.start(config, GatewayProcess.options().name("bridge-2"), http,
        Duration.ofSeconds(60))) {
      Awaitility.await("everything bridged").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(() -> {
            assertThat(rabbit.messageCount(inQueue)).isZero();
            assertThat(KAFKA.kafkaOps().committedSum(group + ".out", inTopic)).isEqualTo(N);
          });
      assertThat(second.isAlive()).isTrue();
    }
    int dupK2r = Traffic.check(Traffic.fromRabbit(
        rabbit.consume(farQueue, N, Duration.ofSeconds(60), Duration.ofSeconds(1))), N, false);
    int dupR2k = Traffic.check(Traffic.fromKafka(KAFKA.consumeAll(outTopic, Duration.ofSeconds(60))), N, false);
    System.out.printf("duplicates after SIGTERM + restart: kafka->rabbitmq %d, rabbitmq->kafka %d%n", dupK2r, dupR2k);
    assertThat(dupK2r).isLessThanOrEqualTo(2000);
    assertThat(dupR2k).isLessThanOrEqualTo(2000);
  }
}
