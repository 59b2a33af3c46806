package dev.sluice.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.LocalKafka;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.StreamClient;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka is killed (SIGKILL) under a steady load of HTTP singles, HTTP batches and a WebSocket stream,
 * and started again: clients get only 202s and acks (spooled while Kafka is away), the relay drains
 * the spool once Kafka is back, Kafka ends with every accepted event exactly once or more (duplicates
 * counted), and each key's events are in Kafka in the order they were accepted. The phases end on
 * conditions (events accepted, the breaker's state), not on a clock.
 */
class SpoolOutageIT {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka("spool-outage");

  private static final int SENDERS = 12;
  private static final int KEYS_PER_SENDER = 50;
  private static final int BATCH = 20;
  private static final double RATE = 2500;
  /** Three singles, then a batch. */
  private static final double EVENTS_PER_REQUEST = (3 + BATCH) / 4.0;

  /** One key's events, in the order they were accepted (each key has one sender, one at a time). */
  private final Map<String, List<String>> acceptedByKey = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  private final AtomicInteger spooled = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean(true);

  @Test
  void clientsGetOnly202WhileKafkaIsAwayAndKafkaEndsWithEverythingInOrder() throws Exception {
    String topic = KafkaOps.uniqueTopic("outage");
    KAFKA.ops().createTopic(topic, 3);
    String schema = PostgresDb.uniqueSchema();
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .route("#", topic)
            .set("kafka.delivery-timeout-ms", 4000)
            .set("kafka.health-interval-ms", 250)
            .producer("max.block.ms", 2000)
            .set("spool.enabled", true)
            .set("store.uri", PostgresDb.uri())
            .set("store.schema", schema)
            .set("breaker.kafka.window-ms", 5000)
            .set("breaker.kafka.min-calls", 5)
            .set("breaker.kafka.reset-ms", 1000);
    Vertx vertx = Vertx.vertx();
    try (Http http = new Http(Duration.ofSeconds(30));
        TestGateway gateway = TestGateway.startReady(config, http)) {
      URI events = gateway.eventsUri();
      ExecutorService senders = Executors.newFixedThreadPool(SENDERS + 1);
      for (int s = 0; s < SENDERS; s++) {
        int sender = s;
        senders.submit(() -> send(http, events, sender));
      }
      senders.submit(() -> stream(vertx, gateway.ingestUri("/v1/stream")));

      await("load under way").atMost(Duration.ofSeconds(60)).until(() -> accepted.get() >= 3000);
      int before = accepted.get();
      KAFKA.sigkill();
      await("readiness stays up on the spool").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> http.get(gateway.adminUri("/health/ready")).json()
              .getJsonObject("checks").getString("kafka").equals("DOWN"));
      Reply ready = http.get(gateway.adminUri("/health/ready"));
      assertThat(ready.status()).as("%s", ready).isEqualTo(200);
      assertThat(ready.json().getJsonObject("checks").getString("spool")).isEqualTo("UP");
      await("Kafka's breaker opens and the load goes on into the spool").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> breaker(http, gateway) == 2 && accepted.get() - before >= 3000);
      int during = accepted.get() - before;
      KAFKA.start();
      await("Kafka's breaker closes again and the load goes on").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> breaker(http, gateway) == 0 && accepted.get() - before - during >= 3000);
      running.set(false);
      senders.shutdown();
      assertThat(senders.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

      assertThat(problems).as("answers other than 202 / acks").isEmpty();
      assertThat(during).as("events accepted while Kafka was away").isGreaterThan(1000);
      assertThat(spooled.get()).as("events answered 'spooled'").isPositive();
      await("the spool drains").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> Metrics.parse(http.get(gateway.adminUri("/metrics")).text()).sum("sluice_spool_events") == 0);
      Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
      System.out.printf("outage: accepted %d (%d while Kafka was away), spooled %d, relayed %.0f, ambiguous %.0f,"
              + " read again %.0f%n", accepted.get(), during, spooled.get(),
          m.sum("sluice_relay_events_total", Map.of("result", "sent")), m.sum("sluice_fallback_ambiguous_total"),
          m.sum("sluice_relay_resent_total"));
    } finally {
      running.set(false);
      vertx.close();
    }

    // Kafka has each accepted event, each key's events in the order they were accepted
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.ops().consumeAll(topic, Duration.ofSeconds(60));
    Map<String, List<String>> inKafka = new HashMap<>();
    Set<String> ids = new HashSet<>();
    int duplicates = 0;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      String id = KafkaOps.header(r, "event-id");
      if (!ids.add(id)) {
        duplicates++;
      }
      inKafka.computeIfAbsent(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), k -> new ArrayList<>())
          .add(id);
    }
    System.out.printf("outage: %d records in Kafka, %d distinct, %d duplicates%n", records.size(), ids.size(),
        duplicates);
    assertThat(ids.size()).as("distinct events in Kafka = accepted").isEqualTo(accepted.get());
    acceptedByKey.forEach((key, order) -> {
      List<String> firstSeen = new ArrayList<>(new LinkedHashSet<>(inKafka.getOrDefault(key, List.of())));
      assertThat(firstSeen).as("key %s in Kafka", key).isEqualTo(order);
    });
  }

  private static double breaker(Http http, TestGateway gateway) throws Exception {
    return Metrics.parse(http.get(gateway.adminUri("/metrics")).text())
        .sum("sluice_breaker_state", Map.of("breaker", "kafka"));
  }

  /**
   * Singles and batches over this sender's keys, one request at a time, paced: together the senders
   * offer about {@value #RATE} events/s, as producers do (an unpaced client would send as fast as the
   * spool answers, faster than any relay drains).
   */
  private void send(Http http, URI events, int sender) {
    int n = 0;
    long period = (long) (1e9 / (RATE / SENDERS / EVENTS_PER_REQUEST));
    long next = System.nanoTime();
    while (running.get()) {
      // paced, open loop; after a stall (answers wait for Kafka's delivery timeout) no burst to catch up
      next = Math.max(next + period, System.nanoTime() - 1_000_000_000L);
      java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
      try {
        if (n % 4 == 3) {
          List<String> ids = new ArrayList<>();
          List<String> keys = new ArrayList<>();
          List<String> bodies = new ArrayList<>();
          for (int b = 0; b < BATCH; b++) {
            String key = key(sender, n + b);
            String id = Envelopes.newId();
            ids.add(id);
            keys.add(key);
            bodies.add(Envelopes.envelope(id, "outage.batch", key, null, "{\"n\":" + n + "}"));
          }
          n += BATCH;
          Reply r = http.post(events, Http.JSON, Envelopes.jsonArray(bodies));
          if (r.status() != 202) {
            problems.add("batch: " + r);
            continue;
          }
          JsonArray results = r.json().getJsonArray("results");
          for (int b = 0; b < BATCH; b++) {
            took(keys.get(b), ids.get(b), results.getJsonObject(b).getString("status"));
          }
        } else {
          String key = key(sender, n++);
          String id = Envelopes.newId();
          Reply r = http.post(events, Http.JSON, Envelopes.envelope(id, "outage.single", key, null, "{}"));
          if (r.status() != 202) {
            problems.add("single: " + r);
            continue;
          }
          took(key, id, r.json().getString("status"));
        }
      } catch (Exception e) {
        problems.add("sender " + sender + ": " + e);
      }
    }
  }

  /** A stream of frames of 10 events over its own keys, each frame sent once the last one was acked. */
  private void stream(Vertx vertx, URI uri) {
    try (StreamClient ws = StreamClient.connect(vertx, uri)) {
      int n = 0;
      while (running.get()) {
        List<String> bodies = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          String key = "stream-" + (n++ % 40);
          String id = Envelopes.newId();
          keys.add(key);
          ids.add(id);
          bodies.add(Envelopes.envelope(id, "outage.stream", key, null, "{}"));
        }
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000); // 200 events/s
        ws.send(new String(Envelopes.jsonArray(bodies), java.nio.charset.StandardCharsets.UTF_8), 10,
            Duration.ofSeconds(30));
        JsonObject ack = ws.next(Duration.ofSeconds(30));
        if (!"ack".equals(ack.getString("type")) || ack.getJsonArray("events").size() != 10) {
          problems.add("stream: " + ack.encode());
          continue;
        }
        for (int i = 0; i < 10; i++) {
          JsonObject e = ack.getJsonArray("events").getJsonObject(i);
          took(keys.get(i), ids.get(i), e.getString("status", "accepted"));
        }
      }
    } catch (Exception e) {
      problems.add("stream: " + e);
    }
  }

  private void took(String key, String id, String status) {
    accepted.incrementAndGet();
    if ("spooled".equals(status)) {
      spooled.incrementAndGet();
    }
    acceptedByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
  }

  private static String key(int sender, int n) {
    return "k-" + sender + "-" + (n % KEYS_PER_SENDER);
  }
}
