package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.StreamClient;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka goes away under an open WebSocket stream and comes back (a broker of this test's own):
 * meanwhile events are nacked with the retryable {@code SLC-5002}, afterwards the same stream is
 * acked again, every event is settled exactly once, and nothing is acked that Kafka does not hold.
 */
class StreamOutageIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("stream-outage");

  private static final int DELIVERY_TIMEOUT_MS = 4000;
  private static final int PER_FRAME = 20;
  private static final Duration SEND = Duration.ofSeconds(30);

  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void nacksWithRetryableSlc5002WhileKafkaIsDownAndAcksOnlyWhatKafkaHolds() throws Exception {
    String topic = KafkaOps.uniqueTopic("stream-outage");
    KAFKA.ops().createTopic(topic, 3);
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("kafka.delivery-timeout-ms", DELIVERY_TIMEOUT_MS)
            .set("kafka.health-interval-ms", 250)
            .producer("max.block.ms", 2000)
            .route("#", topic);
    Tally tally = new Tally();
    try (Http http = new Http();
        TestGateway gateway = TestGateway.startReady(config, http);
        StreamClient c = StreamClient.connect(vertx, gateway.ingestUri("/v1/stream"))) {
      int window = c.hello().getInteger("credits");

      // up
      for (int i = 0; i < 5; i++) {
        tally.send(c, "outage.before");
      }
      tally.until(c, () -> tally.ackedFrames.size() == 5, Duration.ofSeconds(30), "acks");

      // down: the stream stays open and answers each event within the delivery timeout
      KAFKA.stop();
      tally.sendUntil(c, "outage.during", () -> !tally.nacked.isEmpty(), Duration.ofSeconds(40));

      // back: the same stream is acked again
      KAFKA.start();
      await("readiness true once Kafka is back")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> http.get(gateway.adminUri("/health/ready")).status() == 200);
      long firstAfter = tally.sent.size() + 1L;
      tally.sendUntil(
          c,
          "outage.after",
          () -> tally.ackedFrames.stream().anyMatch(f -> f >= firstAfter),
          Duration.ofSeconds(60));
      tally.until(
          c, () -> tally.settled() == tally.sent.size(), Duration.ofSeconds(30), "every frame settled");
      assertThat(c.credits()).as("credits once everything is settled").isEqualTo(window);
      assertThat(c.problems()).isEmpty();
      assertThat(c.isClosed()).isFalse();
    }

    // every event settled once: acked or nacked, never both, never twice
    Set<String> all = new HashSet<>();
    tally.sent.values().forEach(all::addAll);
    assertThat(tally.acked.size() + tally.nacked.size()).isEqualTo(all.size());
    assertThat(tally.acked.keySet()).doesNotContainAnyElementsOf(tally.nacked.keySet());
    assertThat(tally.nacked).as("nacked while Kafka was down").isNotEmpty();
    assertThat(tally.nacked.values())
        .allSatisfy(
            e -> {
              assertThat(e.getString("code")).as("%s", e).isEqualTo("SLC-5002");
              assertThat(e.getBoolean("retryable")).as("%s", e).isTrue();
              assertThat(e.getString("message")).isNotBlank();
            });
    assertThat(tally.acked.keySet()).containsAll(tally.sent.get(1L));
    System.out.printf(
        "stream outage: %d frames, %d events acked, %d nacked%n",
        tally.sent.size(), tally.acked.size(), tally.nacked.size());

    // nothing acked that Kafka does not hold, each where it was acked
    Map<String, String> inKafka = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : KAFKA.ops().consumeAll(topic, Duration.ofSeconds(30))) {
      inKafka.put(KafkaOps.header(r, "event-id"), r.partition() + "@" + r.offset());
    }
    assertThat(inKafka).containsAllEntriesOf(tally.acked);
  }

  /** What was sent and how each event was answered; fed from the test thread only. */
  private static final class Tally {
    final Map<Long, List<String>> sent = new HashMap<>();
    final Map<String, String> acked = new HashMap<>();
    final Map<String, JsonObject> nacked = new HashMap<>();
    final Set<Long> ackedFrames = new HashSet<>();
    final Map<Long, Integer> settledByFrame = new HashMap<>();
    long lastFrame;

    void send(StreamClient c, String type) throws InterruptedException {
      List<String> ids = new ArrayList<>();
      StringBuilder frame = new StringBuilder();
      for (int i = 0; i < PER_FRAME; i++) {
        String id = newId();
        ids.add(id);
        frame.append(envelope(id, type, "key-" + (i % 4), null, "{}")).append('\n');
      }
      long n = c.send(frame.toString(), PER_FRAME, SEND);
      sent.put(n, ids);
      absorb(c);
    }

    void sendUntil(StreamClient c, String type, BooleanSupplier done, Duration atMost)
        throws InterruptedException {
      long deadline = System.nanoTime() + atMost.toNanos();
      while (!done.getAsBoolean()) {
        assertThat(System.nanoTime()).as("sending %s until done", type).isLessThan(deadline);
        if (c.credits() >= PER_FRAME) {
          send(c, type);
        } else {
          absorb(c, c.next(SEND));
        }
      }
    }

    void until(StreamClient c, BooleanSupplier done, Duration atMost, String what)
        throws InterruptedException {
      long deadline = System.nanoTime() + atMost.toNanos();
      while (!done.getAsBoolean()) {
        assertThat(System.nanoTime()).as(what).isLessThan(deadline);
        absorb(c, c.next(atMost));
      }
    }

    int settled() {
      return (int) settledByFrame.values().stream().filter(n -> n == PER_FRAME).count();
    }

    private void absorb(StreamClient c) {
      c.drain().forEach(this::absorb);
    }

    private void absorb(StreamClient c, JsonObject frame) {
      absorb(frame);
      absorb(c);
    }

    private void absorb(JsonObject frame) {
      String type = frame.getString("type");
      assertThat(type).as("%s", frame).isIn("ack", "nack");
      long n = frame.getLong("frame");
      assertThat(n).as("frames settle in order").isGreaterThanOrEqualTo(lastFrame);
      lastFrame = n;
      settledByFrame.merge(n, frame.getInteger("credits"), Integer::sum);
      for (Object o : frame.getJsonArray("events")) {
        JsonObject e = (JsonObject) o;
        String id = e.getString("eventId");
        assertThat(sent.get(n)).as("%s in frame %s", id, n).contains(id);
        if (type.equals("ack")) {
          assertThat(acked.put(id, e.getInteger("partition") + "@" + e.getLong("offset")))
              .as("%s acked twice", id)
              .isNull();
          ackedFrames.add(n);
        } else {
          assertThat(nacked.put(id, e)).as("%s nacked twice", id).isNull();
        }
      }
    }
  }
}
