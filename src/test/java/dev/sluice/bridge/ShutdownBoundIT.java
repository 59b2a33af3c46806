package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.BuiltinExchangeType;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.RabbitBroker;
import dev.sluice.testsupport.RabbitOps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM with five bridge routes that cannot finish what they took (RabbitMQ refuses every publish:
 * a queue at its length limit with {@code x-overflow=reject-publish}): every route stops taking work
 * at once and they drain side by side, so the process exits within one drain timeout and a small
 * constant, not one drain timeout per route (what an orchestrator's grace period allows); nothing
 * unconfirmed was committed.
 */
class ShutdownBoundIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();
  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private static final int ROUTES = 5;
  private static final int RECORDS = 20;
  private static final Duration DRAIN = Duration.ofSeconds(4);
  /** Closing consumers, connections and the producer after the drain, and the JVM's exit. */
  private static final Duration CLOSE = Duration.ofSeconds(8);

  private final Http http = new Http();

  @Test
  void routesDrainInParallelWithinOneDrainTimeout() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String group = RabbitOps.unique("group");
    String exchange = RabbitOps.unique("full");
    String queue = RabbitOps.unique("full");
    rabbit.run(ch -> {
      ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      ch.queueDeclare(queue, true, false, false, Map.of("x-max-length", 0, "x-overflow", "reject-publish"));
      ch.queueBind(queue, exchange, "#");
    });
    List<String> topics = new ArrayList<>();
    StringBuilder routes = new StringBuilder("kafka-to-rabbitmq:\n");
    for (int r = 0; r < ROUTES; r++) {
      String topic = KAFKA.createTopic(KafkaOps.uniqueTopic("stuck" + r), 1);
      topics.add(topic);
      Traffic.produce(KAFKA.bootstrap(), topic, 0, RECORDS);
      routes.append("""
            - name: r%d
              topics: [%s]
              exchange: %s
              routing-key: "{event-type}"
          """.formatted(r, topic, exchange));
    }
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", "events")
        .set("bridge.group-id-prefix", group)
        .set("shutdown.drain-timeout-ms", DRAIN.toMillis())
        .bridge(RABBIT.uri(), routes.toString());

    try (GatewayProcess gateway = GatewayProcess.start(config, GatewayProcess.options().name("shutdown-bound"), http,
        Duration.ofSeconds(60))) {
      Awaitility.await("every route retrying its refused publishes")
          .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
            for (int r = 0; r < ROUTES; r++) {
              if (m.sum("sluice_bridge_retries_total", Map.of("route", "r" + r)) < 1) {
                return false;
              }
            }
            return true;
          });
      long t0 = System.nanoTime();
      gateway.sigterm();
      OptionalInt exit = gateway.waitForExit(Duration.ofSeconds(120));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(exit).as("exited\n" + gateway.logTail(40)).isPresent();
      assertThat(took)
          .as("shutdown with %d stuck routes (drain timeout %s)\n%s", ROUTES, DRAIN, gateway.logTail(40))
          .isLessThan(DRAIN.plus(CLOSE));
      assertThat(exit.getAsInt()).as("exit code: the drain timed out\n" + gateway.logTail(40)).isEqualTo(1);
    }
    for (int r = 0; r < ROUTES; r++) {
      assertThat(KAFKA.kafkaOps().committedSum(group + ".r" + r, topics.get(r)))
          .as("committed on route r%d although RabbitMQ refused everything", r)
          .isZero();
    }
  }
}
