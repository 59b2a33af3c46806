package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.json.JsonArray;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A route whose topic does not exist on a broker that does not create topics: its events get a fast,
 * precise 503 ({@code SLC-5005} naming the topic) instead of each batch holding the one sender thread
 * for {@code max.block.ms}; events of other topics keep flowing meanwhile; readiness and metrics name
 * the missing topic; once the topic is created the same gateway accepts its events.
 */
class MissingTopicIT {

  @RegisterExtension
  static final LocalKafka KAFKA = new LocalKafka("missing-topic").with("auto.create.topics.enable", "false");

  /** Long, so that a send waiting for the missing topic's metadata cannot pass for a fast answer. */
  private static final int MAX_BLOCK_MS = 10_000;

  /** Well under {@link #MAX_BLOCK_MS}: what "fast" means here. */
  private static final Duration FAST = Duration.ofMillis(MAX_BLOCK_MS / 3);

  @Test
  void refusesEventsOfAMissingTopicFastWhileOtherTopicsFlow() throws Exception {
    String present = KafkaOps.uniqueTopic("present");
    String missing = KafkaOps.uniqueTopic("missing");
    KAFKA.ops().createTopic(present, 3);
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("kafka.health-interval-ms", 250)
            .producer("max.block.ms", MAX_BLOCK_MS)
            .route("absent.#", missing)
            .route("#", present);
    try (Http http = new Http(Duration.ofSeconds(60));
        TestGateway gateway = TestGateway.startReady(config, http)) {
      URI events = gateway.eventsUri();

      // a stream of requests to the missing topic, from several clients at once
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<Reply>> toMissing = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          toMissing.add(
              clients.submit(
                  () -> http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "absent.created"))));
        }
        // meanwhile the present topic flows, at its usual pace
        for (int i = 0; i < 5; i++) {
          Reply r = http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "present.created"));
          assertThat(r.status()).as("%s", r).isEqualTo(202);
          assertThat(r.took()).as("answer to an event of a present topic: %s", r).isLessThan(FAST);
        }
        for (Future<Reply> f : toMissing) {
          Reply r = f.get();
          assertThat(r.status()).as("%s", r).isEqualTo(503);
          assertThat(r.json().getString("code")).as("%s", r).isEqualTo("SLC-5005");
          assertThat(r.json().getString("message")).as("%s", r).contains(missing);
          assertThat(r.header("retry-after")).as("%s", r).isNotNull();
          assertThat(r.took()).as("answer to an event of the missing topic: %s", r).isLessThan(FAST);
        }
      } finally {
        clients.shutdownNow();
      }

      // a batch with both: the present one lands, the missing one is refused, fast
      Reply mixed =
          http.post(
              events,
              Http.JSON,
              Envelopes.jsonArray(
                  List.of(
                      Envelopes.envelope(Envelopes.newId(), "present.updated"),
                      Envelopes.envelope(Envelopes.newId(), "absent.updated"))));
      assertThat(mixed.status()).as("%s", mixed).isEqualTo(207);
      JsonArray results = mixed.json().getJsonArray("results");
      assertThat(results.getJsonObject(0).getString("status")).isEqualTo("accepted");
      assertThat(results.getJsonObject(1).getString("code")).isEqualTo("SLC-5005");
      assertThat(mixed.took()).as("%s", mixed).isLessThan(FAST);

      // visible: readiness stays UP (other topics flow) and names the missing topic; a gauge says so
      Reply ready = http.get(gateway.adminUri("/health/ready"));
      assertThat(ready.status()).as("%s", ready).isEqualTo(200);
      assertThat(ready.json().getJsonObject("checks").getJsonObject("topics").getJsonArray("missing"))
          .as("%s", ready)
          .containsExactly(missing);
      Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
      assertThat(m.sum("sluice_kafka_topic_missing", Map.of("topic", missing))).isEqualTo(1.0);
      assertThat(m.sum("sluice_kafka_topic_missing", Map.of("topic", present))).isEqualTo(0.0);
      assertThat(m.sum("sluice_ingest_events_total", Map.of("reason", "topic_missing")))
          .isGreaterThanOrEqualTo(9.0);

      // the operator creates it: accepted without a restart
      KAFKA.ops().createTopic(missing, 1);
      await("the created topic is taken")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "absent.created"))
                          .status()
                      == 202);
      Reply readyAgain = http.get(gateway.adminUri("/health/ready"));
      assertThat(readyAgain.json().getJsonObject("checks").getJsonObject("topics").getJsonArray("missing"))
          .isEmpty();
    }
  }
}
