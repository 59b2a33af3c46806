package dev.sluice.kafka;

import dev.sluice.bus.GatewayState;
import dev.sluice.config.KafkaConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.admin.KafkaAdminClient;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Kafka for its cluster description every {@code kafka.health-interval-ms} and records in {@link
 * GatewayState} whether it answered, and if not why (readiness shows it): readiness and ingest's fast
 * refusal follow it; then has {@link TopicWatch} check that the routes' topics exist. One probe at a time.
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
  /** "up", or the last problem: logged when it changes (not on every probe). */
  private String lastSaid;
  /**
   * The last failure that says more than a timeout (e.g. an authentication failure), kept while Kafka
   * stays down: after such a failure the client backs off, and the next probes merely time out.
   */
  private String specific;

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
              String said;
              if (up) {
                if (state.kafkaUp()) {
                  topics.probe(ar.result());
                } else {
                  // up (and ready) only once the routes' topics were checked: an event sent to a missing
                  // topic before that would hold the sender thread for max.block.ms
                  topics.probe(ar.result()).onComplete(v -> state.kafkaUp(true));
                }
                specific = null;
                said = "up";
              } else {
                Throwable t = unwrap(ar.failed() ? ar.cause() : null);
                String problem = problem(t);
                if (!(t instanceof TimeoutException)) {
                  specific = problem;
                } else if (specific != null) {
                  problem = specific;
                }
                state.kafkaDown(problem);
                topics.kafkaDown();
                said = problem;
              }
              if (!said.equals(lastSaid)) {
                if (up) {
                  LOG.info("Kafka reachable at {}", config.bootstrapServers());
                } else {
                  LOG.warn("Kafka unreachable at {}: {}", config.bootstrapServers(), said);
                }
                lastSaid = said;
              }
            });
  }

  /** The failure as readiness shows it: the Kafka exception's name and message. */
  private static String problem(Throwable t) {
    return t == null ? "the cluster described no brokers" : t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  private static Throwable unwrap(Throwable t) {
    while (t != null && (t instanceof java.util.concurrent.ExecutionException
        || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
