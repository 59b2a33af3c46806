package dev.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.GatewayState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A {@link KafkaSource} whose consumer cannot be created (no broker needed to see that). */
class KafkaSourceTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Map<String, Object> props(String bootstrap) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", "sluice-test");
    p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    return p;
  }

  /**
   * The Kafka client refuses to create a consumer whose bootstrap servers do not resolve (".invalid"
   * never does). The source keeps trying with back-off instead of ending its thread, is down with the
   * reason (readiness, gauge) meanwhile, and stops when told to.
   */
  @Test
  void keepsTryingToCreateItsConsumer() throws Exception {
    GatewayState state = new GatewayState();
    state.kafkaUp(true);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KafkaSource source = new KafkaSource("unresolvable", props("no-such-host.invalid:9092"), List.of("t"), 10,
        new AtomicInteger(), 100, vertx.getOrCreateContext(), items -> {}, registry, state);
    source.start();
    Awaitility.await("the source's thread still trying after its first failures")
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> threadAlive("sluice-bridge-consumer-unresolvable"));
    assertThat(state.kafkaSourcesDown()).containsOnlyKeys("unresolvable");
    assertThat(state.kafkaSourcesDown().get("unresolvable"))
        .startsWith("cannot create the consumer: KafkaException")
        .contains("No resolvable bootstrap urls");
    assertThat(state.ready()).isFalse();
    assertThat(registry.get("sluice.bridge.kafka.source.up").tag("route", "unresolvable").gauge().value()).isZero();
    assertThat(source.up()).isFalse();

    long t0 = System.nanoTime();
    source.stop(1000).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("stops without waiting out its back-off")
        .isLessThan(Duration.ofSeconds(1));
    Awaitility.await("the thread ended").atMost(Duration.ofSeconds(5))
        .until(() -> !threadAlive("sluice-bridge-consumer-unresolvable"));
    assertThat(state.kafkaSourcesConfigured()).isFalse();
    assertThat(state.ready()).isTrue();
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
