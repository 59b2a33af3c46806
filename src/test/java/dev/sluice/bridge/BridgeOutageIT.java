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
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bridge while RabbitMQ misbehaves mid-stream (a node of the test's own): connections closed by
 * force, the broker restarted, the broker blocking publishers (a slow far side).
 *
 * <p>Off by default (run with {@code -Dsluice.it.bridge-outage=true}) until it has a record of
 * stability: one class run in four still stalls after a broker restart (see Known issues in the
 * CHANGELOG).
 */
@EnabledIfSystemProperty(named = "sluice.it.bridge-outage", matches = "true")
class BridgeOutageIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final LocalRabbit RABBIT = new LocalRabbit("bridge-outage");

  private static final int N = 20_000;
  private static final int IN_FLIGHT = 2000;
  private final Http http = new Http();

  /** Topics, queues and a running gateway bridging both ways. */
  private record Setup(String inTopic, String outTopic, String farQueue, String inQueue, String group, TestGateway gateway) {}

  private Setup start(int maxPollIntervalMs) throws Exception {
    return start(maxPollIntervalMs, () -> {});
  }

  /** Creates and fills topics and queues, runs {@code beforeGateway}, starts the gateway. */
  private Setup start(int maxPollIntervalMs, Runnable beforeGateway) throws Exception {
    RabbitOps rabbit = RABBIT.ops();
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
        .set("bridge.max-in-flight", IN_FLIGHT)
        .set("bridge.max-in-flight-per-source", 200)
        .set("bridge.max-poll-interval-ms", maxPollIntervalMs)
        .set("rabbitmq.reconnect-max-ms", 1000)
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
    beforeGateway.run();
    return new Setup(inTopic, outTopic, farQueue, inQueue, group, TestGateway.startReady(config, http));
  }

  private void awaitProgress(Setup s, double atLeast) {
    Awaitility.await("bridging under way").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> {
          String m = s.gateway().gateway().registry().scrape();
          return BridgeIT.counter(m, "out", "bridged") >= atLeast && BridgeIT.counter(m, "in", "bridged") >= atLeast;
        });
  }

  /** Waits until both far sides hold everything, then checks ids, order and duplicates. */
  private void awaitEverything(Setup s) {
    RabbitOps rabbit = RABBIT.ops();
    Awaitility.await("everything bridged").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(() -> {
          assertThat(rabbit.messageCount(s.inQueue())).isZero();
          assertThat(KAFKA.kafkaOps().committedSum(s.group() + ".out", s.inTopic())).isEqualTo(N);
        });
    int dupK2r = Traffic.check(Traffic.fromRabbit(
        rabbit.consume(s.farQueue(), N, Duration.ofSeconds(60), Duration.ofSeconds(1))), N, false);
    int dupR2k = Traffic.check(Traffic.fromKafka(KAFKA.consumeAll(s.outTopic(), Duration.ofSeconds(60))), N, false);
    System.out.printf("duplicates: kafka->rabbitmq %d, rabbitmq->kafka %d%n", dupK2r, dupR2k);
    assertThat(dupK2r).isLessThanOrEqualTo(IN_FLIGHT);
    assertThat(dupR2k).isLessThanOrEqualTo(IN_FLIGHT);
  }

  @Test
  void losesNothingWhenTheConnectionsAreClosedByForce() throws Exception {
    Setup s = start(300_000);
    try (TestGateway g = s.gateway()) {
      awaitProgress(s, 2000);
      RABBIT.closeAllConnections();
      awaitEverything(s);
      assertThat(Metrics.parse(g.gateway().registry().scrape()).sum("sluice_bridge_reconnects_total"))
          .isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void losesNothingWhenRabbitMqRestarts() throws Exception {
    Setup s = start(300_000);
    try (TestGateway g = s.gateway()) {
      awaitProgress(s, 2000);
      RABBIT.stop();
      Awaitility.await("readiness follows the link").atMost(Duration.ofSeconds(10))
          .until(() -> http.get(g.adminUri("/health/ready")).status() == 503);
      RABBIT.start();
      awaitEverything(s);
      g.awaitReady(http, Duration.ofSeconds(30));
    }
  }

  @Test
  void pausesPartitionsAndStaysInTheGroupWhileTheFarSideIsBlocked() throws Exception {
    try {
      // every publisher (the bridge's) is blocked once the traffic is in place
      Setup s = start(3000, () -> RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.000001"));
      try (TestGateway g = s.gateway()) {
        Awaitility.await("partitions paused").atMost(Duration.ofSeconds(30)).until(() ->
            Metrics.parse(g.gateway().registry().scrape()).sum("sluice_bridge_paused_partitions", Map.of("route", "out")) > 0);
        // stays paused and in its group well past max.poll.interval.ms (3 s): only polling keeps it in
        Awaitility.await("still a member, still paused")
            .during(Duration.ofSeconds(8))
            .atMost(Duration.ofSeconds(12))
            .until(() -> KAFKA.kafkaOps().groupMembers(s.group() + ".out") == 1);
        Metrics m = Metrics.parse(g.gateway().registry().scrape());
        assertThat(m.sum("sluice_bridge_process_inflight")).isLessThanOrEqualTo(IN_FLIGHT + 500);
        assertThat(m.sum("sluice_bridge_paused_partitions", Map.of("route", "out"))).isEqualTo(4);
        assertThat(KAFKA.kafkaOps().groupMembers(s.group() + ".out")).isEqualTo(1);
        RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
        awaitEverything(s);
      }
    } finally {
      RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
    }
  }
}
