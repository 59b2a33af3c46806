package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalRabbit;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.RabbitOps;
import dev.sluice.testsupport.TestGateway;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bridge while its brokers misbehave mid-stream (a Kafka broker and a RabbitMQ node of the
 * test's own): RabbitMQ connections closed by force, RabbitMQ restarted, Kafka restarted, RabbitMQ
 * blocking publishers (a slow far side). Every message arrives; duplicates are counted and stay
 * within the in-flight bound.
 */
class BridgeOutageIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("bridge-outage");
  @RegisterExtension static final LocalRabbit RABBIT = new LocalRabbit("bridge-outage");

  private static final int N = 20_000;
  private static final int IN_FLIGHT = 2000;
  private static final int HEAP_MB = 128;
  private final Http http = new Http();

  /** Topics and queues filled with traffic, and the config of a gateway bridging both ways. */
  private record Setup(
      String inTopic, String outTopic, String farQueue, String inQueue, String group, GatewayConfig config) {}

  /**
   * Creates topics and queues and fills them: {@link #N} records of {@code padBytes} more than the
   * minimal body to bridge out, and as many messages to bridge in.
   */
  private Setup prepare(int maxPollIntervalMs, int padBytes) {
    RabbitOps rabbit = RABBIT.ops();
    String inTopic = KafkaOps.uniqueTopic("k2r");
    String outTopic = KafkaOps.uniqueTopic("r2k");
    KAFKA.ops().createTopic(inTopic, 4);
    KAFKA.ops().createTopic(outTopic, 4);
    String exchange = RabbitOps.unique("x");
    String farQueue = RabbitOps.unique("far");
    String inQueue = RabbitOps.unique("in");
    String group = RabbitOps.unique("group");
    rabbit.exchangeWithQueue(exchange, farQueue);
    rabbit.queue(inQueue);
    Traffic.produce(KAFKA.bootstrap(), inTopic, 0, N, padBytes);
    assertThat(KAFKA.ops().endOffsetsSum(inTopic)).as("test traffic in " + inTopic).isEqualTo(N);
    Traffic.publish(rabbit, inQueue, 0, N);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .set("bridge.max-in-flight", IN_FLIGHT)
        .set("bridge.max-in-flight-per-source", 200)
        .set("bridge.max-poll-interval-ms", maxPollIntervalMs)
        .set("rabbitmq.reconnect-max-ms", 1000)
        // short, so that a confirm timeout during the 8+ s of a blocked broker would show as a reconnect
        .set("rabbitmq.confirm-timeout-ms", 3000)
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
    return new Setup(inTopic, outTopic, farQueue, inQueue, group, config);
  }

  private Metrics metrics(URI admin) throws Exception {
    return Metrics.parse(http.get(admin.resolve("/metrics")).text());
  }

  private void awaitProgress(URI admin, double atLeast) {
    Awaitility.await("bridging under way").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> {
          Metrics m = metrics(admin);
          return m.sum("sluice_bridge_messages_total", Map.of("route", "out", "result", "bridged")) >= atLeast
              && m.sum("sluice_bridge_messages_total", Map.of("route", "in", "result", "bridged")) >= atLeast;
        });
  }

  /** Waits until both far sides hold everything, then checks ids, order and duplicates. */
  private void awaitEverything(Setup s, URI admin) throws Exception {
    RabbitOps rabbit = RABBIT.ops();
    try {
      Awaitility.await("everything bridged").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(() -> {
            assertThat(rabbit.messageCount(s.inQueue())).isZero();
            assertThat(KAFKA.ops().committedSum(s.group() + ".out", s.inTopic())).isEqualTo(N);
          });
    } catch (ConditionTimeoutException e) {
      // what the bridge was doing when it stopped making progress
      System.out.println("end offsets " + KAFKA.ops().endOffsets(s.inTopic()) + ", committed "
          + KAFKA.ops().committedSum(s.group() + ".out", s.inTopic()) + ", rabbitmq in-queue "
          + rabbit.messageCount(s.inQueue()));
      http.get(admin.resolve("/metrics")).text().lines()
          .filter(l -> l.startsWith("sluice_bridge")).forEach(System.out::println);
      throw e;
    }
    // every record is committed, so RabbitMQ confirmed each one: all are in the far queue
    long held = rabbit.messageCount(s.farQueue());
    assertThat(held).as("messages in the far queue once every record was committed").isGreaterThanOrEqualTo(N);
    int dupK2r = Traffic.check(Traffic.fromRabbit(
        rabbit.consume(s.farQueue(), held, Duration.ofSeconds(120), Duration.ofSeconds(1))), N, false);
    int dupR2k = Traffic.check(Traffic.fromKafka(KAFKA.ops().consumeAll(s.outTopic(), Duration.ofSeconds(60))), N, false);
    System.out.printf("duplicates: kafka->rabbitmq %d, rabbitmq->kafka %d%n", dupK2r, dupR2k);
    assertThat(dupK2r).isLessThanOrEqualTo(IN_FLIGHT);
    assertThat(dupR2k).isLessThanOrEqualTo(IN_FLIGHT);
  }

  @Test
  void losesNothingWhenTheConnectionsAreClosedByForce() throws Exception {
    Setup s = prepare(300_000, 0);
    try (TestGateway g = TestGateway.startReady(s.config(), http)) {
      awaitProgress(g.adminUri("/"), 2000);
      RABBIT.closeAllConnections();
      awaitEverything(s, g.adminUri("/"));
      assertThat(metrics(g.adminUri("/")).sum("sluice_bridge_reconnects_total")).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void resumesFromTheCommittedOffsetsWhenKafkaRestarts() throws Exception {
    Setup s = prepare(300_000, 0);
    try (TestGateway g = TestGateway.startReady(s.config(), http)) {
      awaitProgress(g.adminUri("/"), 2000);
      long committedBefore = KAFKA.ops().committedSum(s.group() + ".out", s.inTopic());
      KAFKA.stop();
      try {
        Awaitility.await("readiness follows Kafka").atMost(Duration.ofSeconds(15))
            .until(() -> http.get(g.adminUri("/health/ready")).status() == 503);
      } finally {
        KAFKA.start(); // the class's other tests share this broker: never leave it stopped
      }
      awaitEverything(s, g.adminUri("/"));
      assertThat(committedBefore).as("committed before the restart").isPositive();
      g.awaitReady(http, Duration.ofSeconds(30));
    }
  }

  @Test
  void losesNothingWhenRabbitMqRestarts() throws Exception {
    Setup s = prepare(300_000, 0);
    try (TestGateway g = TestGateway.startReady(s.config(), http)) {
      awaitProgress(g.adminUri("/"), 2000);
      RABBIT.stop();
      Awaitility.await("readiness follows the link").atMost(Duration.ofSeconds(10))
          .until(() -> http.get(g.adminUri("/health/ready")).status() == 503);
      RABBIT.start();
      awaitEverything(s, g.adminUri("/"));
      g.awaitReady(http, Duration.ofSeconds(30));
    }
  }

  /**
   * The far side blocks every publish (RabbitMQ's memory alarm) while the topic holds more than the
   * gateway's whole heap: the real jar at {@value #HEAP_MB} MiB pauses its partitions, stays in its
   * group past {@code max.poll.interval.ms}, keeps its heap bounded, and delivers everything once
   * the far side takes messages again.
   */
  @Test
  void pausesPartitionsStaysInTheGroupAndBoundsTheHeapWhileTheFarSideIsBlocked() throws Exception {
    // 20,000 records of 8 KiB: 160 MiB waiting in Kafka for a gateway with a 128 MiB heap
    Setup s = prepare(3000, 8192);
    AtomicLong maxHeap = new AtomicLong();
    // the node blocks every publisher, the bridge's included, from its first publish on
    RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.000001");
    try (GatewayProcess g = GatewayProcess.start(s.config(), GatewayProcess.options().name("bridge-blocked")
            .heap(HEAP_MB + "m"), http, Duration.ofSeconds(60))) {
      URI admin = g.adminUri("/");
      Awaitility.await("partitions paused").atMost(Duration.ofSeconds(30)).until(() ->
          metrics(admin).sum("sluice_bridge_paused_partitions", Map.of("route", "out")) > 0);
      // stays paused and in its group well past max.poll.interval.ms (3 s): only polling keeps it in
      Awaitility.await("still a member, still paused")
          .during(Duration.ofSeconds(8))
          .atMost(Duration.ofSeconds(12))
          .until(() -> {
            maxHeap.accumulateAndGet((long) metrics(admin).sum("jvm_memory_used_bytes", Map.of("area", "heap")),
                Math::max);
            return KAFKA.ops().groupMembers(s.group() + ".out") == 1;
          });
      Metrics m = metrics(admin);
      assertThat(m.sum("sluice_bridge_process_inflight")).isLessThanOrEqualTo(IN_FLIGHT);
      assertThat(m.sum("sluice_bridge_paused_partitions", Map.of("route", "out"))).isEqualTo(4);
      assertThat(m.sum("sluice_bridge_rabbitmq_blocked", Map.of("route", "out"))).isEqualTo(1);
      // blocked time is not a lost confirm: no reconnect while the broker holds the publishes
      assertThat(m.sum("sluice_bridge_reconnects_total", Map.of("route", "out"))).isZero();
      RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
      awaitEverything(s, admin);
      Metrics after = metrics(admin);
      maxHeap.accumulateAndGet((long) after.sum("jvm_memory_used_bytes", Map.of("area", "heap")), Math::max);
      assertThat(after.sum("sluice_bridge_rabbitmq_blocked", Map.of("route", "out"))).isZero();
      assertThat(after.sum("sluice_bridge_reconnects_total", Map.of("route", "out"))).isZero();
      assertThat(g.isAlive()).as("gateway alive\n" + g.logTail(30)).isTrue();
      assertThat(g.logTail(10_000)).doesNotContain("OutOfMemoryError");
      System.out.printf("blocked far side: heap used at most %d MiB of %d MiB%n", maxHeap.get() >> 20, HEAP_MB);
      assertThat(maxHeap.get()).isPositive().isLessThan((long) HEAP_MB << 20);
    } finally {
      RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
    }
  }

  /**
   * SIGTERM while RabbitMQ blocks every publish: the real jar still exits, within its shutdown bound
   * (a socket write the broker does not read cannot hold it), and a restarted gateway delivers
   * everything once the far side takes messages again.
   */
  @Test
  void sigtermWhileTheFarSideIsBlockedExitsAndARestartDeliversEverything() throws Exception {
    Setup s = prepare(300_000, 0);
    s.config().set("shutdown.drain-timeout-ms", 2000);
    RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.000001");
    try {
      try (GatewayProcess g = GatewayProcess.start(s.config(), GatewayProcess.options().name("bridge-blocked-term"),
          http, Duration.ofSeconds(60))) {
        Awaitility.await("publishes blocked").atMost(Duration.ofSeconds(30)).until(() ->
            metrics(g.adminUri("/")).sum("sluice_bridge_rabbitmq_blocked", Map.of("route", "out")) == 1);
        g.sigterm();
        // three stages of 2 s drain + 15 s: the process is gone well within a minute
        assertThat(g.waitForExit(Duration.ofSeconds(60))).as("exited\n" + g.logTail(30)).isPresent();
      }
      RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
      try (GatewayProcess again = GatewayProcess.start(s.config(), GatewayProcess.options().name("bridge-after-term"),
          http, Duration.ofSeconds(60))) {
        awaitEverything(s, again.adminUri("/"));
      }
    } finally {
      RABBIT.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
    }
  }

  /**
   * A message Kafka refuses for good with no dead-letter path (its dead letter cannot be encoded) is
   * parked; when the connection it came on is lost, the broker
   * gives it to the next connection and the old attempt lets go of its slots: after a forced close it
   * is parked once more, not twice, and the other messages still flow.
   */
  @Test
  void aParkedMessageLetsGoOfItsSlotsWhenItsConnectionIsLost() throws Exception {
    int n = 1000;
    RabbitOps rabbit = RABBIT.ops();
    String topic = KafkaOps.uniqueTopic("poison");
    KAFKA.ops().createTopic(topic, 2);
    String queue = RabbitOps.unique("poisonq");
    rabbit.queue(queue);
    Traffic.publishRefusedWithNoDeadLetterPath(rabbit, queue);
    Traffic.publish(rabbit, queue, 0, n);
    GatewayConfig config = Traffic.rabbitToKafka(KAFKA.bootstrap(), RABBIT.uri(), "poison-in", queue, topic, 1000);
    try (TestGateway g = TestGateway.startReady(config, http)) {
      URI admin = g.adminUri("/");
      Awaitility.await("the others bridged, the refused message parked").atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> {
            Metrics m = metrics(admin);
            assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", "poison-in", "result", "bridged"))).isEqualTo(n);
            assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", "poison-in", "result", "refused"))).isEqualTo(1);
          });
      RABBIT.closeAllConnections();
      Awaitility.await("parked again on the next connection, once").atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> {
            Metrics m = metrics(admin);
            assertThat(m.sum("sluice_bridge_messages_total", Map.of("route", "poison-in", "result", "refused"))).isEqualTo(2);
            assertThat(m.sum("sluice_bridge_inflight", Map.of("route", "poison-in"))).isEqualTo(1);
            assertThat(m.sum("sluice_bridge_process_inflight")).isEqualTo(1);
          });
      Traffic.publish(rabbit, queue, n, n + 100);
      Awaitility.await("later messages still flow").atMost(Duration.ofSeconds(60)).until(() ->
          metrics(admin).sum("sluice_bridge_messages_total", Map.of("route", "poison-in", "result", "bridged")) >= n + 100);
    }
  }
}
