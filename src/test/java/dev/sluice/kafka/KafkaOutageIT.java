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
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka goes away and comes back under a running gateway (a broker of this test's own): while it is
 * down requests get 503 SLC-5002 with Retry-After within the delivery timeout and readiness is
 * false; once it is back the same gateway is ready and accepts again; nothing answered 202 is lost.
 */
class KafkaOutageIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("outage");

  private static final int DELIVERY_TIMEOUT_MS = 4000;

  /**
   * How much longer than the delivery timeout an answer may take (event loop, probe, scheduling).
   */
  private static final Duration MARGIN = Duration.ofMillis(2500);

  private static final Duration ANSWER_BOUND = Duration.ofMillis(DELIVERY_TIMEOUT_MS).plus(MARGIN);

  @Test
  void answers503WhileKafkaIsDownAndAcceptsAgainOnceItIsBackWithoutARestart() throws Exception {
    String topic = KafkaOps.uniqueTopic("outage");
    KAFKA.ops().createTopic(topic, 3);
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("kafka.delivery-timeout-ms", DELIVERY_TIMEOUT_MS)
            .set("kafka.health-interval-ms", 250)
            .producer("max.block.ms", 2000)
            .route("#", topic);
    Set<String> accepted = new HashSet<>();
    try (Http http = new Http();
        TestGateway gateway = TestGateway.startReady(config, http)) {
      URI events = gateway.eventsUri();
      Metrics before = metrics(http, gateway);
      int unavailable = 0;
      Trickle trickle = new Trickle(http, events);
      try {
        // up
        for (int i = 0; i < 10; i++) {
          String id = Envelopes.newId();
          Reply r = http.post(events, Http.JSON, Envelopes.envelope(id, "outage.before"));
          assertThat(r.status()).as("%s", r).isEqualTo(202);
          accepted.add(id);
        }

        // down
        KAFKA.stop();
        for (int i = 0; i < 3; i++) {
          assertUnavailable(
              http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "outage.during")));
          unavailable++;
        }
        await("readiness false while Kafka is down")
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> http.get(gateway.adminUri("/health/ready")).status() == 503);
        Reply ready = http.get(gateway.adminUri("/health/ready"));
        assertThat(ready.json().getJsonObject("checks").getString("kafka")).isEqualTo("DOWN");
        for (int i = 0; i < 3; i++) {
          Reply r =
              http.post(events, Http.JSON, Envelopes.envelope(Envelopes.newId(), "outage.during"));
          assertUnavailable(r);
          unavailable++;
        }

        // back, same gateway
        KAFKA.start();
        await("readiness true once Kafka is back")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> http.get(gateway.adminUri("/health/ready")).status() == 200);
        for (int i = 0; i < 10; i++) {
          String id = Envelopes.newId();
          Reply r = http.post(events, Http.JSON, Envelopes.envelope(id, "outage.after"));
          assertThat(r.status()).as("after Kafka returned: %s", r).isEqualTo(202);
          accepted.add(id);
        }
      } finally {
        trickle.stop();
      }
      assertThat(trickle.errors).as("transport errors").isEmpty();
      for (Trickle.Answer a : trickle.answers) {
        if (a.reply.status() != 202) {
          assertUnavailable(a.reply);
          unavailable++;
        }
      }
      // each 503 was one event: refused as a request (fast path) or failed as an event (timed out)
      Metrics after = metrics(http, gateway);
      String requests = "sluice_ingest_rejections_total";
      String evts = "sluice_ingest_events_total";
      Map<String, String> refused = Map.of("reason", "kafka_unavailable");
      Map<String, String> failed = Map.of("result", "failed", "reason", "kafka_unavailable");
      assertThat(
              after.sum(requests, refused)
                  - before.sum(requests, refused)
                  + after.sum(evts, failed)
                  - before.sum(evts, failed))
          .as("503s counted in /metrics")
          .isEqualTo(unavailable);
      assertThat(trickle.answers).extracting(a -> a.reply.status()).contains(202, 503);
      trickle.answers.stream()
          .filter(a -> a.reply.status() == 202)
          .forEach(a -> accepted.add(a.eventId));
    }

    List<ConsumerRecord<byte[], byte[]>> records =
        KAFKA.ops().consumeAll(topic, Duration.ofSeconds(30));
    Set<String> inKafka = new HashSet<>();
    records.forEach(r -> inKafka.add(KafkaOps.header(r, "event-id")));
    assertThat(inKafka).as("events answered 202 that are in Kafka").containsAll(accepted);
  }

  private static Metrics metrics(Http http, TestGateway gateway) throws Exception {
    Reply r = http.get(gateway.adminUri("/metrics"));
    assertThat(r.status()).isEqualTo(200);
    return Metrics.parse(r.text());
  }

  private static void assertUnavailable(Reply r) {
    assertThat(r.status()).as("%s", r).isEqualTo(503);
    assertThat(r.json().getString("code")).as("%s", r).isEqualTo("SLC-5002");
    assertThat(r.header("retry-after")).as("Retry-After of %s", r).isEqualTo("1");
    assertThat(r.took()).as("time to answer %s", r).isLessThanOrEqualTo(ANSWER_BOUND);
  }

  /**
   * One event every 50 ms, one request at a time, for the whole test: what a steady producer sees.
   */
  private static final class Trickle {

    record Answer(String eventId, Reply reply) {}

    final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    Trickle(Http http, URI events) {
      timer.scheduleWithFixedDelay(
          () -> {
            String id = Envelopes.newId();
            try {
              answers.add(
                  new Answer(
                      id, http.post(events, Http.JSON, Envelopes.envelope(id, "outage.trickle"))));
            } catch (IOException e) {
              errors.add(e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          0,
          50,
          TimeUnit.MILLISECONDS);
    }

    /** Stops sending and waits for the request under way. */
    void stop() throws InterruptedException {
      timer.shutdown();
      if (!timer.awaitTermination(ANSWER_BOUND.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
        timer.shutdownNow();
      }
    }
  }
}
