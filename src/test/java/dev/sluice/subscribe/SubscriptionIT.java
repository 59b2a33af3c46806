package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.RecordingSink;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Subscriptions end to end, with the real jar, real Kafka and PostgreSQL, and an HTTP sink on a real
 * port: a flaky sink with poison events, a gateway killed mid-run, a sink down for 30 s, and two
 * gateways sharing one subscription.
 */
class SubscriptionIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int KEYS = 500;

  private final Http http = new Http(Duration.ofSeconds(60));

  /** Must-show 1: 100,000 events, 10 % failing at random (500 or late), 0.1 % poison. */
  @Test
  void aFlakySinkGetsEveryEventInKeyOrderAndThePoisonIsDeadLettered() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("sub"), 6);
    String schema = PostgresDb.uniqueSchema();
    String name = unique("flaky");
    try (RecordingSink sink = new RecordingSink().failRate(0.09).lateRate(0.01, 1000);
        GatewayProcess g = GatewayProcess.start(config(topic, schema, sink, name), GatewayProcess.options()
            .name("sub-flaky"), http, Duration.ofSeconds(60))) {
      Sent sent = send(g, 100_000, 1000, 0);
      await("every event delivered or dead-lettered").atMost(Duration.ofSeconds(240))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> sink.ids().containsAll(sent.good) && dead(g, name) >= sent.poison.size());

      assertThat(sink.ids()).as("the sink took no poison event").doesNotContainAnyElementsOf(sent.poison);
      assertThat(sink.outOfOrder()).as("keys the sink saw out of order").isEmpty();
      List<ConsumerRecord<byte[], byte[]>> dlq = KAFKA.consumeAll(name + ".dlq", Duration.ofSeconds(10));
      Set<String> dlqIds = new HashSet<>();
      for (ConsumerRecord<byte[], byte[]> r : dlq) {
        dlqIds.add(KafkaOps.header(r, "event-id"));
        assertThat(KafkaOps.header(r, "sluice-dlq-subscription")).isEqualTo(name);
        assertThat(KafkaOps.header(r, "sluice-dlq-topic")).isEqualTo(topic);
        assertThat(KafkaOps.header(r, "sluice-dlq-offset")).isNotNull();
        assertThat(KafkaOps.header(r, "sluice-dlq-failure-class")).isEqualTo("status");
        assertThat(KafkaOps.header(r, "sluice-dlq-status")).isEqualTo("400");
        assertThat(KafkaOps.header(r, "sluice-dlq-attempts")).isEqualTo("1");
        assertThat(KafkaOps.header(r, "sluice-dlq-response")).contains("poison event");
        assertThat(KafkaOps.header(r, "traceparent")).isNotNull();
        assertThat(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)).contains("\"poison\":true");
      }
      assertThat(dlqIds).as("the dead-letter topic holds exactly the poison events").isEqualTo(sent.poison);

      Metrics m = metrics(g);
      double ambiguous = m.sum("sluice_subscription_ambiguous_total", Map.of("subscription", name));
      assertThat(sink.duplicates()).as("duplicates at the sink, only after ambiguous attempts (%s)", ambiguous)
          .isLessThanOrEqualTo((long) ambiguous);
      assertThat(m.sum("sluice_subscription_retries_total", Map.of("subscription", name))).isGreaterThan(0);
      assertThat(m.sum("sluice_subscription_events_total", Map.of("subscription", name, "result", "delivered")))
          .isEqualTo(sent.good.size());
      RecordingSink.Taken any = sink.taken().get(0);
      assertThat(any.headers()).containsKeys("event-id", "event-type", "traceparent", "idempotency-key");
      assertThat(any.headers().get("idempotency-key")).isEqualTo(any.eventId());

      deadLetterTools(g, name, topic, sink, sent.poison);
    }
  }

  /**
   * Must-show 4, on the same gateway: the tools list the dead letters with their metadata; some are
   * purged (API and CLI); once the sink takes poison events again, replay (CLI by ids, API by filter)
   * empties the dead letters and the sink has the replayed ones.
   */
  private void deadLetterTools(GatewayProcess g, String name, String topic, RecordingSink sink, Set<String> poison)
      throws Exception {
    await("indexed").atMost(Duration.ofSeconds(10)).until(() -> depth(g, name) == poison.size());
    JsonObject page = http.get(g.adminUri("/admin/dlq/" + name + "?limit=500")).json();
    JsonArray items = page.getJsonArray("items");
    assertThat(items).hasSize(poison.size());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject d = items.getJsonObject(i);
      ids.add(d.getString("eventId"));
      assertThat(d.getString("topic")).isEqualTo(topic);
      assertThat(d.getString("failureClass")).isEqualTo("status");
      assertThat(d.getInteger("status")).isEqualTo(400);
      assertThat(d.getInteger("attempts")).isEqualTo(1);
      assertThat(d.getString("response")).contains("poison event");
      assertThat(d.getValue("offset")).isNotNull();
    }
    assertThat(new HashSet<>(ids)).isEqualTo(poison);
    JsonObject one = http.get(g.adminUri("/admin/dlq/" + name + "/" + ids.get(0))).json();
    assertThat(one.getJsonObject("value").getJsonObject("data").getBoolean("poison")).isTrue();

    // purge 10 by the API, 10 by the CLI
    Reply purged = http.send(java.net.http.HttpRequest.newBuilder(g.adminUri("/admin/dlq/" + name))
        .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString(
            new JsonObject().put("ids", new JsonArray(ids.subList(0, 10))).encode()))
        .header("Content-Type", Http.JSON).build());
    assertThat(purged.json().getLong("deleted")).as("%s", purged).isEqualTo(10);
    assertThat(cli(g, "purge", name, "--ids", String.join(",", ids.subList(10, 20)))).isZero();
    assertThat(depth(g, name)).isEqualTo(poison.size() - 20);

    sink.rejectPoison(false); // the sink is fixed
    assertThat(cli(g, "replay", name, "--ids", String.join(",", ids.subList(20, 40)))).isZero();
    Reply replay = http.post(g.adminUri("/admin/dlq/" + name + "/replay"), Http.JSON,
        new JsonObject().put("filter", new JsonObject().put("failureClass", "status")).put("wait", true).encode());
    assertThat(replay.status()).as("%s", replay).isEqualTo(200);
    assertThat(replay.json().getLong("delivered")).as("%s", replay).isEqualTo(poison.size() - 40);
    assertThat(depth(g, name)).isZero();
    assertThat(sink.ids()).containsAll(ids.subList(20, ids.size())).doesNotContainAnyElementsOf(ids.subList(0, 20));
  }

  private int cli(GatewayProcess g, String... args) {
    List<String> all = new ArrayList<>(List.of("--admin", g.adminUri("/").toString()));
    all.addAll(List.of(args));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int rc = dev.sluice.admin.DlqCli.run(all.toArray(new String[0]),
        Map.of("SLUICE_ADMIN_TOKEN", dev.sluice.testsupport.GatewayConfig.ADMIN_TOKEN),
        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(rc).as("sluice dlq %s: %s %s", List.of(args), out, err).isZero();
    return rc;
  }

  private long depth(GatewayProcess g, String name) throws Exception {
    JsonArray subs = http.get(g.adminUri("/admin/dlq")).json().getJsonArray("subscriptions");
    for (int i = 0; i < subs.size(); i++) {
      if (subs.getJsonObject(i).getString("name").equals(name)) {
        return subs.getJsonObject(i).getLong("depth");
      }
    }
    throw new AssertionError("no subscription " + name + " in " + subs);
  }

  /**
   * Must-shows 2 and 6: two gateways share a subscription; one is SIGKILLed mid-run; the other takes its
   * partitions over and skips what the killed one had done; the killed one restarts and joins again;
   * nothing is lost, every key stays in order, every poison event is in the dead-letter topic.
   */
  @Test
  void aGatewayKilledMidRunIsTakenOverAndWhatItDidIsSkipped() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("sub-kill"), 6);
    String schema = PostgresDb.uniqueSchema();
    String name = unique("killed");
    try (RecordingSink sink = new RecordingSink().failRate(0.05)) {
      // each process its own config: its own ports
      try (GatewayProcess a = GatewayProcess.start(config(topic, schema, sink, name), GatewayProcess.options()
              .name("sub-kill-a"), http, Duration.ofSeconds(60));
          GatewayProcess b = GatewayProcess.start(config(topic, schema, sink, name), GatewayProcess.options()
              .name("sub-kill-b"), http, Duration.ofSeconds(60))) {
        await("both in the group").atMost(Duration.ofSeconds(60))
            .until(() -> KAFKA.kafkaOps().groupMembers("sluice-sub." + name) == 2);
        Sent sent = send(b, 30_000, 1000, 0);
        await("both deliver").atMost(Duration.ofSeconds(60))
            .until(() -> delivered(a) > 2000 && delivered(b) > 0);
        a.sigkill();
        assertThat(sink.ids().size()).as("killed mid-run").isLessThan(sent.good.size());
        await("the survivor takes over and delivers the rest").atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofMillis(500)).until(() -> sink.ids().containsAll(sent.good));
        assertThat(metrics(b).sum("sluice_subscription_events_total", Map.of("subscription", name,
            "result", "skipped-duplicate"))).as("events the killed gateway had done, read again and skipped")
            .isGreaterThan(0);
        try (GatewayProcess again = GatewayProcess.start(config(topic, schema, sink, name), GatewayProcess.options()
            .name("sub-kill-a2"), http, Duration.ofSeconds(60))) {
          await("the restarted gateway joins").atMost(Duration.ofSeconds(60))
              .until(() -> KAFKA.kafkaOps().groupMembers("sluice-sub." + name) == 2);
          Sent more = send(again, 5000, 1000, 30_000);
          await("both deliver what came after").atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(500)).until(() -> sink.ids().containsAll(more.good));
          Set<String> poison = new HashSet<>(sent.poison);
          poison.addAll(more.poison);
          // each process counts its own dead letters: the topic holds them all
          await("every poison event dead-lettered").atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofSeconds(2)).until(() -> dlqIds(name).equals(poison));
          assertThat(sink.outOfOrder()).isEmpty();
        }
      }
    }
  }

  /** Must-show 3: the sink down for 30 s: the breaker opens, the source pauses, nothing dead-lettered. */
  @Test
  void aSinkDownFor30SecondsOpensTheBreakerAndNothingIsDeadLettered() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("sub-down"), 3);
    String schema = PostgresDb.uniqueSchema();
    String name = unique("down");
    try (RecordingSink sink = new RecordingSink();
        // retries that outlast the breaker's window: the successes before the outage leave it within 5 s
        GatewayProcess g = GatewayProcess.start(config(topic, schema, sink, name,
            "{initial-ms: 100, multiplier: 2, max-delay-ms: 2000, max-attempts: 20}"), GatewayProcess.options()
            .name("sub-down"), http, Duration.ofSeconds(60))) {
      Sent first = send(g, 2000, 500, 0);
      await().atMost(Duration.ofSeconds(60)).until(() -> sink.ids().containsAll(first.good));
      sink.down();
      Sent during = send(g, 5000, 500, 2000);
      await("the breaker opens").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> metrics(g).sum("sluice_breaker_state", Map.of("breaker", "subscription:" + name)) == 2);
      double retriesAtOpen = retries(g);
      await("the source pauses").atMost(Duration.ofSeconds(10))
          .until(() -> metrics(g).sum("sluice_subscription_paused_partitions", Map.of("subscription", name)) > 0);
      // the outage lasts 30 s, all of it with the breaker not closed
      await("the breaker stays open or half-open while the sink is down").during(Duration.ofSeconds(30))
          .atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
          .until(() -> metrics(g).sum("sluice_breaker_state", Map.of("breaker", "subscription:" + name)) != 0);
      double retriesDuringOutage = retries(g) - retriesAtOpen;
      sink.up();
      try {
        await("everything delivered after the sink returns").atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(250)).until(() -> sink.ids().containsAll(during.good));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        Set<String> missing = new HashSet<>(during.good);
        missing.removeAll(sink.ids());
        throw new AssertionError(missing.size() + " not delivered, e.g. " + missing.stream().limit(3).toList()
            + "; sink calls " + sink.calls() + "; gateway: " + metrics(g).samples().stream()
            .filter(x -> x.name().startsWith("sluice_subscription") && !x.name().contains("latency")
                || x.name().startsWith("sluice_breaker")).toList(), e);
      }
      // while open, only the half-open trials (one per reset-ms = 2 s) made attempts
      assertThat(retriesDuringOutage).as("attempts burnt while the breaker was open").isLessThanOrEqualTo(30);
      assertThat(dead(g, name)).isEqualTo(first.poison.size() + during.poison.size());
    }
  }

  /** What was sent: the ids of events the sink should take, and of the poison ones. */
  private record Sent(Set<String> good, Set<String> poison) {}

  /** {@code n} events in batches through the gateway's ingest; one in 1,000 is poison; seq from {@code first}. */
  private Sent send(GatewayProcess g, int n, int batch, int first) throws Exception {
    Set<String> good = new HashSet<>();
    Set<String> poison = new HashSet<>();
    for (int b = 0; b < n / batch; b++) {
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        int seq = first + b * batch + i;
        String id = Envelopes.newId();
        boolean bad = seq % 1000 == 999;
        (bad ? poison : good).add(id);
        bodies.add(Envelopes.envelope(id, "order.placed", "k" + (seq % KEYS), null,
            "{\"seq\":" + seq + (bad ? ",\"poison\":true" : "") + "}"));
      }
      Reply r = http.post(g.eventsUri(), Http.JSON, Envelopes.jsonArray(bodies));
      assertThat(r.status()).as("%s", r).isEqualTo(202);
    }
    return new Sent(good, poison);
  }

  private static GatewayConfig config(String topic, String schema, RecordingSink sink, String name) {
    return config(topic, schema, sink, name, "{initial-ms: 10, multiplier: 2, max-delay-ms: 200, max-attempts: 12}");
  }

  /** With {@code retry}, the subscription's retry policy (YAML flow style). */
  private static GatewayConfig config(String topic, String schema, RecordingSink sink, String name, String retry) {
    return GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("store.uri", PostgresDb.uri())
        .set("store.schema", schema)
        // a killed member's partitions move after its session times out (Kafka's default: 45 s)
        .set("kafka.consumer.session.timeout.ms", 6000)
        .subscriptions("""
            subscriptions:
              - name: %s
                source: {topics: [%s]}
                event-types: ["order.#"]
                sink: {http: "%s"}
                concurrency: 64
                timeout-ms: 300
                retry: %s
                breaker: {window-ms: 5000, min-calls: 20, failure-rate-percent: 50, reset-ms: 2000}
            """.formatted(name, topic, sink.url(), retry));
  }

  private static String unique(String base) {
    return base + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  }

  private static Set<String> dlqIds(String subscription) {
    return KAFKA.consumeAll(subscription + ".dlq", Duration.ofSeconds(5)).stream()
        .map(r -> KafkaOps.header(r, "event-id")).collect(java.util.stream.Collectors.toSet());
  }

  private double dead(GatewayProcess g, String sub) throws Exception {
    return metrics(g).sum("sluice_subscription_events_total", Map.of("subscription", sub, "result", "dead-lettered"));
  }

  private double delivered(GatewayProcess g) throws Exception {
    return metrics(g).sum("sluice_subscription_events_total", Map.of("result", "delivered"));
  }

  private double retries(GatewayProcess g) throws Exception {
    return metrics(g).sum("sluice_subscription_retries_total");
  }

  private Metrics metrics(GatewayProcess g) throws Exception {
    return Metrics.parse(http.get(g.adminUri("/metrics")).text());
  }
}
