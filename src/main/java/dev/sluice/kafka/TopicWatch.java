package dev.sluice.kafka;

import dev.sluice.bus.GatewayState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.kafka.admin.ClusterDescription;
import io.vertx.kafka.admin.Config;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.common.ConfigResource;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches that the topics of the routes exist, so that events for a missing one are refused at once
 * ({@code SLC-5005}) rather than each batch holding the producer's one sender thread for {@code
 * max.block.ms}. A topic is missing when Kafka does not list it and its broker does not create topics
 * ({@code auto.create.topics.enable=false}); with auto-creation on, the first send creates it. When the
 * broker's setting cannot be read, only the publisher marks a topic missing (its metadata did not
 * arrive) and this watch clears the mark once Kafka lists the topic. Checked every probe while a
 * topic is missing, else every {@value #CHECK_EVERY} probes. Confined to the health verticle's loop.
 */
final class TopicWatch {

  private static final Logger LOG = LoggerFactory.getLogger(TopicWatch.class);
  private static final int CHECK_EVERY = 10;
  static final String AUTO_CREATE = "auto.create.topics.enable";

  private final KafkaAdminClient admin;
  private final Set<String> topics;
  private final GatewayState state;
  /** The broker's auto.create.topics.enable; null while unknown (read again after Kafka was away). */
  private Boolean autoCreate;
  private boolean autoCreateUnreadable;
  private boolean checking;
  private int probes;

  TopicWatch(KafkaAdminClient admin, Set<String> topics, GatewayState state, MeterRegistry registry) {
    this.admin = admin;
    this.topics = Set.copyOf(topics);
    this.state = state;
    for (String t : this.topics) {
      Gauge.builder("sluice.kafka.topic.missing", state, s -> s.topicMissing(t) ? 1 : 0)
          .description("1 while a topic the routes publish to is missing in Kafka (events refused, SLC-5005)")
          .tag("topic", t)
          .register(registry);
    }
  }

  /** Kafka went away: its settings are read again when it is back. */
  void kafkaDown() {
    autoCreate = null;
    autoCreateUnreadable = false;
  }

  /**
   * After a successful cluster probe; completes (never fails) once the topics were checked, or at once
   * when no check was due.
   */
  Future<Void> probe(ClusterDescription cluster) {
    if (checking || topics.isEmpty()) {
      return Future.succeededFuture();
    }
    boolean anyMissing = topics.stream().anyMatch(state::topicMissing);
    boolean settingsKnown = autoCreate != null || autoCreateUnreadable;
    if (!anyMissing && settingsKnown && probes++ % CHECK_EVERY != 0) {
      return Future.succeededFuture();
    }
    checking = true;
    return autoCreate(cluster)
        .compose(auto -> admin.listTopics().map(listed -> {
          apply(listed, auto);
          return (Void) null;
        }))
        .transform(ar -> {
          checking = false;
          if (ar.failed()) {
            LOG.debug("Listing Kafka topics failed: {}", ar.cause().toString());
          }
          return Future.<Void>succeededFuture();
        });
  }

  private void apply(Set<String> listed, Boolean auto) {
    for (String t : topics) {
      boolean was = state.topicMissing(t);
      boolean exists = listed.contains(t);
      boolean missing = exists ? false : auto == null ? was : !auto;
      if (missing == was) {
        continue;
      }
      state.topicMissing(t, missing);
      if (missing) {
        LOG.warn("Kafka topic '{}' does not exist and the broker does not create topics ({}=false): events"
            + " routed to it are refused with 503 SLC-5005 until it is created", t, AUTO_CREATE);
      } else {
        LOG.info("Kafka topic '{}' {}: its events are accepted again", t, exists ? "exists" : "will be created");
      }
    }
  }

  /** The broker's auto.create.topics.enable, or null when it cannot be read (e.g. no permission). */
  private Future<Boolean> autoCreate(ClusterDescription cluster) {
    if (autoCreate != null || autoCreateUnreadable || cluster.getNodes().isEmpty()) {
      return Future.succeededFuture(autoCreate);
    }
    ConfigResource broker =
        new ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.BROKER,
            Integer.toString(cluster.getNodes().get(0).getId()));
    return admin
        .describeConfigs(List.of(broker))
        .map(configs -> {
          Config c = configs.values().stream().findFirst().orElse(null);
          String v = c == null ? null : c.getEntries().stream()
              .filter(e -> AUTO_CREATE.equals(e.getName())).map(e -> e.getValue()).findFirst().orElse(null);
          autoCreate = v == null ? null : Boolean.valueOf(v.trim());
          autoCreateUnreadable = autoCreate == null;
          return autoCreate;
        })
        .recover(err -> {
          LOG.info("Cannot read the broker's {} ({}): a route's topic counts as missing only once a send found"
              + " no metadata for it", AUTO_CREATE, err.toString());
          autoCreateUnreadable = true;
          return Future.succeededFuture(null);
        });
  }
}
