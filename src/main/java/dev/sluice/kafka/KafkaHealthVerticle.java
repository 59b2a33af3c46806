package dev.sluice.kafka;

import dev.sluice.bus.GatewayState;
import dev.sluice.config.KafkaConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.admin.KafkaAdminClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Kafka for its cluster description every {@code kafka.health-interval-ms} and records in {@link
 * GatewayState} whether it answered: readiness and ingest's fast refusal follow it; then has {@link
 * TopicWatch} check that the routes' topics exist. One probe at a time.
 */
public final class KafkaHealthVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaHealthVerticle.class);

  private final KafkaConfig config;
  private final java.util.Set<String> routeTopics;
  private final GatewayState state;
  private final MeterRegistry registry;
  private KafkaAdminClient admin;
  private TopicWatch topics;
  private long timer = -1;
  private boolean probing;
  private Boolean lastUp;

  /**
   * @param routeTopics the topics ingest's routes publish to, watched by {@link TopicWatch}
   */
  public KafkaHealthVerticle(
      KafkaConfig config, java.util.Set<String> routeTopics, GatewayState state, MeterRegistry registry) {
    this.config = config;
    this.routeTopics = routeTopics;
    this.state = state;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Gauge.builder("sluice.kafka.up", state, s -> s.kafkaUp() ? 1 : 0)
        .description("1 when the last probe reached Kafka")
        .register(registry);
    return vertx
        .executeBlocking(() -> KafkaAdminClient.create(vertx, config.adminProperties()))
        .map(
            a -> {
              admin = a;
              topics = new TopicWatch(a, routeTopics, state, registry);
              probe();
              timer = vertx.setPeriodic(config.healthIntervalMs(), id -> probe());
              return a;
            });
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return admin == null ? Future.succeededFuture() : admin.close(1000);
  }

  private void probe() {
    if (probing) {
      return;
    }
    probing = true;
    admin
        .describeCluster()
        .onComplete(
            ar -> {
              probing = false;
              boolean up = ar.succeeded() && !ar.result().getNodes().isEmpty();
              state.kafkaUp(up);
              if (up) {
                topics.probe(ar.result());
              } else {
                topics.kafkaDown();
              }
              if (lastUp == null || lastUp != up) {
                if (up) {
                  LOG.info("Kafka reachable at {}", config.bootstrapServers());
                } else {
                  LOG.warn(
                      "Kafka unreachable at {}: {}",
                      config.bootstrapServers(),
                      ar.failed() ? ar.cause().getMessage() : "no brokers");
                }
                lastUp = up;
              }
            });
  }
}
