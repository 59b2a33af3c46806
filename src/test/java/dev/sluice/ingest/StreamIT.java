package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.StreamClient;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebSocket streaming ingest ({@code GET /v1/stream}) against a real Kafka, through in-process
 * gateways: per-event acks and nacks in the client's frame order, the credit window, TCP
 * backpressure towards a client that does not read, many streams beside HTTP, and the protocol's
 * edges (over-credit, binary frames, no upgrade, shutdown). Every ack is checked against the record
 * Kafka holds at the acked partition and offset. Event types route to a topic per test; there is no
 * catch-all route.
 */
class StreamIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final Duration SEND = Duration.ofSeconds(30);
  private static final Duration ANSWER = Duration.ofSeconds(30);
  private static final Duration READ = Duration.ofSeconds(60);
  private static final int CREDITS = 1000;
  private static final int MAX_CREDIT_VIOLATIONS = 3;

  private static Vertx vertx;
  private static Http http;
  private static TestGateway gateway;
  private static String bulkTopic;
  private static String mixedTopic;
  private static String busyTopic;
  private static String edgeTopic;

  @BeforeAll
  static void startGateway() throws Exception {
    bulkTopic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-bulk"), 6);
    mixedTopic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-mixed"), 3);
    busyTopic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-busy"), 6);
    edgeTopic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-edge"), 3);
    vertx = Vertx.vertx();
    http = new Http();
    gateway =
        TestGateway.startReady(
            GatewayConfig.forKafka(KAFKA.bootstrap())
                .set("websocket.credits", CREDITS)
                .set("websocket.max-credit-violations", MAX_CREDIT_VIOLATIONS)
                .route("bulk.#", bulkTopic)
                .route("mixed.#", mixedTopic)
                .route("busy.#", busyTopic)
                .route("edge.#", edgeTopic),
            http);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // acks

  @Test
  void acks50000EventsOfOneStreamEachOnceInFrameOrderWithOffsetsIncreasingPerKey()
      throws Exception {
    int frames = 500;
    int perFrame = 100;
    int n = frames * perFrame;
    List<List<String>> sentIds = new ArrayList<>(frames);
    Map<String, String> aggregateOf = new HashMap<>(n * 2);
    Metrics before = metrics(gateway);
    List<JsonObject> answers;
    try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
      JsonObject hello = c.hello();
      assertThat(hello.getString("protocol")).isEqualTo("sluice.stream.v1");
      assertThat(hello.getInteger("credits")).isEqualTo(CREDITS);
      assertThat(hello.getInteger("maxMessageBytes")).isEqualTo(1_048_576);
      for (int f = 0; f < frames; f++) {
        List<String> ids = new ArrayList<>(perFrame);
        List<String> lines = new ArrayList<>(perFrame);
        for (int i = 0; i < perFrame; i++) {
          String id = newId();
          String aggregate = "agg-" + ((f * perFrame + i) % 64);
          ids.add(id);
          aggregateOf.put(id, aggregate);
          lines.add(envelope(id, "bulk.reading.taken", aggregate, null, "{\"f\":" + f + "}"));
        }
        sentIds.add(ids);
        assertThat(c.send(ndjson(lines), perFrame, SEND)).isEqualTo(f + 1);
      }
      answers = settle(c, n);
      assertThat(c.credits()).as("credits once everything is acked").isEqualTo(CREDITS);
      assertThat(gauge(gateway, "sluice_ws_credits_outstanding")).isZero();
      assertThat(gauge(gateway, "sluice_ws_sockets")).isEqualTo(1);
      assertThat(c.problems()).isEmpty();
    }
    await("stream gone from /metrics")
        .atMost(Duration.ofSeconds(10))
        .until(() -> gauge(gateway, "sluice_ws_sockets") == 0);

    // one ack per client frame, in the client's frame order, listing the frame's events in order
    assertThat(answers).hasSize(frames);
    Map<String, String> ackedAt = new HashMap<>(n * 2);
    Map<String, long[]> lastByAggregate = new HashMap<>();
    for (int f = 0; f < frames; f++) {
      JsonObject ack = answers.get(f);
      assertThat(ack.getString("type")).as("answer %s: %s", f + 1, brief(ack)).isEqualTo("ack");
      assertThat(ack.getLong("frame")).isEqualTo(f + 1L);
      assertThat(ack.getInteger("credits")).isEqualTo(perFrame);
      JsonArray events = ack.getJsonArray("events");
      List<String> ids = new ArrayList<>(perFrame);
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        String id = e.getString("eventId");
        ids.add(id);
        assertThat(e.getString("topic")).isEqualTo(bulkTopic);
        int partition = e.getInteger("partition");
        long offset = e.getLong("offset");
        assertThat(ackedAt.put(id, partition + "@" + offset)).as("%s acked twice", id).isNull();
        // per key, Kafka offsets increase in ack order (one key, one partition)
        long[] last = lastByAggregate.put(aggregateOf.get(id), new long[] {partition, offset});
        if (last != null) {
          assertThat(partition).as("partition of %s", aggregateOf.get(id)).isEqualTo(last[0]);
          assertThat(offset).as("offset of %s after %s", id, last[1]).isGreaterThan(last[1]);
        }
      }
      assertThat(ids).as("events acked for frame %s", f + 1).isEqualTo(sentIds.get(f));
    }
    assertThat(ackedAt).hasSize(n);

    assertThat(KAFKA.endOffsetsSum(bulkTopic)).isEqualTo(n);
    Map<String, String> inKafka = positions(KAFKA.consumeAll(bulkTopic, READ));
    assertThat(inKafka).as("event id -> partition@offset in Kafka").isEqualTo(ackedAt);
    Metrics after = metrics(gateway);
    assertThat(delta(before, after, "sluice_ingest_events_total", "result", "accepted"))
        .isEqualTo(n);
    assertThat(delta(before, after, "sluice_ws_frames_total", "direction", "in"))
        .isEqualTo(frames);
  }

  @Test
  void acksAndNacksEachEventOfAFrameAndAnswersAMalformedFrameWithAnErrorKeepingTheStreamOpen()
      throws Exception {
    String a0 = newId();
    String a1 = newId();
    String a3 = newId();
    String a5 = newId();
    String b0 = newId();
    String b2 = newId();
    String c0 = newId();
    String c1 = newId();
    String c2 = newId();
    String d0 = newId();
    String e0 = newId();
    // frame 1, NDJSON: valid, no source, valid, bad date and a foreign member, not an object, no route
    String frame1 =
        ndjson(
            List.of(
                envelope(a0, "mixed.order.placed", "order-1", null, "{\"i\":0}"),
                "{\"eventId\":\"" + a1 + "\",\"eventType\":\"mixed.order.placed\",\"eventVersion\":1,"
                    + "\"occurredAt\":\"2026-11-23T10:15:30Z\",\"data\":{}}",
                envelope(newId(), "mixed.order.paid", "order-1", null, "{\"i\":2}"),
                "{\"eventId\":\"" + a3 + "\",\"eventType\":\"mixed.order.placed\",\"eventVersion\":1,"
                    + "\"occurredAt\":\"yesterday\",\"source\":\"s\",\"data\":{},\"total\":3}",
                "[1]",
                envelope(a5, "nobody.listens", null, null, "{\"i\":5}")));
    String a2 = new JsonObject(frame1.split("\n")[2]).getString("eventId");
    // frame 2: malformed (a line is cut short): none of it may be published
    String frame2 =
        envelope(b0, "mixed.order.placed")
            + "\n{\"eventId\":\""
            + newId()
            + "\",\"eventType\":\n"
            + envelope(b2, "mixed.order.placed")
            + "\n";
    // frame 3, a JSON array: valid, eventVersion 0, valid
    String frame3 =
        "["
            + envelope(c0, "mixed.order.shipped")
            + ",{\"eventId\":\""
            + c1
            + "\",\"eventType\":\"mixed.order.shipped\",\"eventVersion\":0,"
            + "\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"s\",\"data\":{}},"
            + envelope(c2, "mixed.order.shipped")
            + "]";
    // frame 4: one envelope without data; frame 5: one valid envelope
    String frame4 =
        "{\"eventId\":\""
            + d0
            + "\",\"eventType\":\"mixed.order.placed\",\"eventVersion\":1,"
            + "\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"s\"}";
    String frame5 = envelope(e0, "mixed.order.closed", "order-1", null, "{}");
    Metrics before = metrics(gateway);

    Map<Long, List<JsonObject>> byFrame = new TreeMap<>();
    List<Long> settledOrder = new ArrayList<>();
    try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
      c.send(frame1, 6, SEND);
      c.sendIgnoringCredits(frame2); // refused as a whole, it takes no credits
      c.send(frame3, 3, SEND);
      c.send(frame4, 1, SEND);
      c.send(frame5, 1, SEND);
      // 1: ack + nack, 2: error, 3: ack + nack, 4: nack, 5: ack
      for (int i = 0; i < 7; i++) {
        JsonObject f = c.next(ANSWER);
        byFrame.computeIfAbsent(f.getLong("frame"), k -> new ArrayList<>()).add(f);
        if (!"error".equals(f.getString("type"))) {
          settledOrder.add(f.getLong("frame"));
        }
      }
      // every credit is back: the acks and nacks gave back exactly what frames 1, 3, 4, 5 took
      assertThat(c.credits()).isEqualTo(CREDITS);
      assertThat(c.isClosed()).as("stream closed").isFalse();
      assertThat(c.problems()).isEmpty();
    }

    assertThat(byFrame.keySet()).as("frames answered").containsExactly(1L, 2L, 3L, 4L, 5L);
    // acks and nacks in the client's frame order (an error frame is sent at once)
    assertThat(settledOrder).containsExactly(1L, 1L, 3L, 3L, 4L, 5L);
    // frame 1
    assertThat(types(byFrame.get(1L))).containsExactly("ack", "nack");
    JsonObject ack1 = byFrame.get(1L).get(0);
    assertThat(ack1.getInteger("credits")).isEqualTo(2);
    assertThat(eventIds(ack1)).containsExactly(a0, a2);
    JsonObject nack1 = byFrame.get(1L).get(1);
    assertThat(nack1.getInteger("credits")).isEqualTo(4);
    Map<Integer, JsonObject> refused1 = byIndex(nack1);
    assertThat(refused1.keySet()).containsExactlyInAnyOrder(1, 3, 4, 5);
    assertInvalid(refused1.get(1), a1, Map.of("/1/source", "is required"));
    assertInvalid(refused1.get(3), a3, null);
    assertThat(pointers(refused1.get(3))).containsExactlyInAnyOrder("/3/occurredAt", "/3/total");
    assertInvalid(refused1.get(4), null, null);
    assertThat(pointers(refused1.get(4))).containsExactly("/4");
    assertThat(refused1.get(5).getString("eventId")).isEqualTo(a5);
    assertThat(refused1.get(5).getString("code")).isEqualTo("SLC-1006");
    assertThat(refused1.get(5).getBoolean("retryable")).isFalse();
    // frame 2
    assertThat(types(byFrame.get(2L))).containsExactly("error");
    JsonObject error = byFrame.get(2L).get(0);
    assertThat(error.getString("code")).isEqualTo("SLC-1001");
    assertThat(error.getBoolean("retryable")).isFalse();
    assertThat(error.getString("message")).startsWith("malformed JSON at line ");
    // frame 3
    assertThat(types(byFrame.get(3L))).containsExactly("ack", "nack");
    assertThat(eventIds(byFrame.get(3L).get(0))).containsExactly(c0, c2);
    Map<Integer, JsonObject> refused3 = byIndex(byFrame.get(3L).get(1));
    assertThat(refused3.keySet()).containsExactly(1);
    assertInvalid(refused3.get(1), c1, null);
    assertThat(pointers(refused3.get(1))).containsExactly("/1/eventVersion");
    // frames 4 and 5
    assertThat(types(byFrame.get(4L))).containsExactly("nack");
    Map<Integer, JsonObject> refused4 = byIndex(byFrame.get(4L).get(0));
    assertThat(refused4.keySet()).containsExactly(0);
    assertInvalid(refused4.get(0), d0, Map.of("/data", "is required"));
    assertThat(types(byFrame.get(5L))).containsExactly("ack");
    assertThat(eventIds(byFrame.get(5L).get(0))).containsExactly(e0);

    // only the valid, routed events are in Kafka, each where it was acked
    Map<String, String> inKafka = positions(KAFKA.consumeAll(mixedTopic, READ));
    assertThat(inKafka.keySet()).containsExactlyInAnyOrder(a0, a2, c0, c2, e0);
    assertThat(inKafka).containsAllEntriesOf(ackedPositions(byFrame.values()));
    Metrics after = metrics(gateway);
    assertThat(
            delta(before, after, "sluice_ingest_rejections_total", "reason", "malformed_json"))
        .isEqualTo(1);
    assertThat(
            after.sum(
                    "sluice_ingest_events_total",
                    Map.of("result", "rejected", "reason", "invalid_envelope", "protocol", "websocket"))
                - before.sum(
                    "sluice_ingest_events_total",
                    Map.of(
                        "result", "rejected", "reason", "invalid_envelope", "protocol", "websocket")))
        .isEqualTo(5);
  }

  @Test
  void namesTheBadLineOfAMalformedNdjsonFrame() throws Exception {
    String frame =
        envelope(newId(), "edge.line.one")
            + "\n"
            + envelope(newId(), "edge.line.two")
            + "\n{\"eventId\": oops}\n"
            + envelope(newId(), "edge.line.four")
            + "\n";
    try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
      c.send(frame, 4, SEND);
      JsonObject error = c.next(ANSWER);

      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("SLC-1001");
      assertThat(error.getString("message")).as("%s", error).contains("line 3");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // backpressure

  @Test
  void stopsReadingAClientThatDoesNotReadItsAcksAndCarriesOnWhenItReadsAgain() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-pressure"), 3);
    int perFrame = 2000;
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("websocket.credits", 10_000_000)
            // the stream must pause because its acks back up, not because Kafka lags behind
            .set("limits.max-in-flight-events", 10_000_000)
            .route("pressure.#", topic);
    List<List<String>> sent = new ArrayList<>();
    try (TestGateway g = TestGateway.startReady(config, http);
        StreamClient c =
            StreamClient.connect(
                vertx,
                streamUri(g),
                StreamClient.defaultOptions()
                    .setReceiveBufferSize(16 * 1024)
                    .setSendBufferSize(16 * 1024))) {
      c.pauseReading();

      // send while the socket takes it, until the server pauses the stream (its acks back up)
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      while (gauge(g, "sluice_ws_paused") == 0) {
        assertThat(System.nanoTime()).as("server paused in time").isLessThan(deadline);
        awaitWritable(c, deadline);
        sendPressureFrame(c, perFrame, sent);
      }
      int framesAtPause = sent.size();
      // go on while the kernel buffers take more, until the client's writes stall for good
      while (!stalled(c)) {
        assertThat(System.nanoTime()).as("client stalled in time").isLessThan(deadline);
        sendPressureFrame(c, perFrame, sent);
      }
      double framesIn = gauge(g, "sluice_ws_frames_total", "direction", "in");
      assertThat(framesIn).as("frames the server read").isLessThan(sent.size());
      await("server reads no frame and stays paused while the client does not read")
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(3))
          .until(
              () ->
                  gauge(g, "sluice_ws_paused") == 1
                      && gauge(g, "sluice_ws_frames_total", "direction", "in") == framesIn
                      && c.writeQueueFull());
      System.out.printf(
          "pressure: paused after %d frames, stalled after %d, server read %.0f%n",
          framesAtPause, sent.size(), framesIn);

      // the client reads again: everything is acked in order, the stream resumes and carries on
      c.resumeReading();
      List<JsonObject> answers = settle(c, sent.size() * perFrame);
      await("stream resumed")
          .atMost(Duration.ofSeconds(10))
          .until(() -> gauge(g, "sluice_ws_paused") == 0);
      for (int i = 0; i < 3; i++) {
        sendPressureFrame(c, 10, sent);
      }
      answers.addAll(settle(c, 30));
      assertThat(answers).extracting(a -> a.getString("type")).containsOnly("ack");
      assertThat(answers)
          .extracting(a -> a.getLong("frame"))
          .isEqualTo(range(1, sent.size()));
      for (int f = 0; f < sent.size(); f++) {
        assertThat(eventIds(answers.get(f))).as("frame %s", f + 1).isEqualTo(sent.get(f));
      }
      assertThat(c.problems()).isEmpty();
      Map<String, String> inKafka = positions(KAFKA.consumeAll(topic, READ));
      assertThat(inKafka).isEqualTo(ackedPositions(List.of(answers)));
    }
  }

  @Test
  void keepsFrameOrderAndLosesNoFrameWhileTheInFlightBoundIsReached() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-bound"), 3);
    int frames = 60;
    int perFrame = 100;
    // room for one frame at a time: every other frame waits for the budget with the socket paused.
    // A frame is about 18 KB: the byte budget holds one, not two (a stream's credits may not exceed
    // the event budget, so one stream alone reaches the bound in bytes)
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("limits.max-in-flight-bytes", 30_000)
            .set("websocket.max-message-bytes", 30_000)
            .set("http.max-body-bytes", 30_000)
            .producer("buffer.memory", 4 << 20) // room for its 128 KB batches
            .set("websocket.credits", frames * perFrame)
            .route("bound.#", topic);
    List<List<String>> sent = new ArrayList<>();
    Map<String, String> keyOf = new HashMap<>();
    List<JsonObject> answers;
    try (TestGateway g = TestGateway.startReady(config, http);
        StreamClient c = StreamClient.connect(vertx, streamUri(g))) {
      for (int f = 0; f < frames; f++) {
        List<String> ids = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < perFrame; i++) {
          String id = newId();
          ids.add(id);
          keyOf.put(id, "key-" + (i % 8));
          lines.add(envelope(id, "bound.tick", keyOf.get(id), null, "{}"));
        }
        sent.add(ids);
        c.send(ndjson(lines), perFrame, SEND);
      }
      answers = settle(c, frames * perFrame);
      assertThat(c.problems()).isEmpty();
    }

    assertThat(answers).extracting(a -> a.getString("type")).containsOnly("ack");
    assertThat(answers).extracting(a -> a.getLong("frame")).isEqualTo(range(1, frames));
    Map<String, long[]> last = new HashMap<>();
    for (int f = 0; f < frames; f++) {
      assertThat(eventIds(answers.get(f))).as("frame %s", f + 1).isEqualTo(sent.get(f));
      for (Object o : answers.get(f).getJsonArray("events")) {
        JsonObject e = (JsonObject) o;
        long offset = e.getLong("offset");
        long[] before = last.put(keyOf.get(e.getString("eventId")), new long[] {offset});
        if (before != null) {
          assertThat(offset)
              .as("offset of %s (frame %s) after %s", keyOf.get(e.getString("eventId")), f + 1, before[0])
              .isGreaterThan(before[0]);
        }
      }
    }
    assertThat(positions(KAFKA.consumeAll(topic, READ))).isEqualTo(ackedPositions(List.of(answers)));
  }

  // ---------------------------------------------------------------------------------------------
  // concurrency

  @Test
  void tenStreamsBesideHttpPostsAckOnlyWhatKafkaHoldsAndNothingTwice() throws Exception {
    int streams = 10;
    int framesPerStream = 40;
    int perFrame = 50;
    int posters = 4;
    int postsEach = 25;
    int perPost = 20;
    ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> ackedAt = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(streams + posters);
    List<Future<?>> work = new ArrayList<>();
    try {
      for (int s = 0; s < streams; s++) {
        int stream = s;
        work.add(
            pool.submit(
                () -> {
                  List<List<String>> sent = new ArrayList<>();
                  List<JsonObject> answers;
                  try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
                    for (int f = 0; f < framesPerStream; f++) {
                      List<String> ids = new ArrayList<>();
                      List<String> lines = new ArrayList<>();
                      for (int i = 0; i < perFrame; i++) {
                        String id = newId();
                        ids.add(id);
                        lines.add(envelope(id, "busy.ws", "s" + stream + "-" + (i % 5), null, "{}"));
                      }
                      sent.add(ids);
                      c.send(ndjson(lines), perFrame, SEND);
                    }
                    answers = settle(c, framesPerStream * perFrame);
                    assertThat(c.problems()).isEmpty();
                  }
                  assertThat(answers).extracting(a -> a.getString("type")).containsOnly("ack");
                  assertThat(answers)
                      .extracting(a -> a.getLong("frame"))
                      .isEqualTo(range(1, framesPerStream));
                  for (int f = 0; f < framesPerStream; f++) {
                    assertThat(eventIds(answers.get(f))).isEqualTo(sent.get(f));
                  }
                  for (JsonObject a : answers) {
                    for (Object o : a.getJsonArray("events")) {
                      JsonObject e = (JsonObject) o;
                      acked.add(e.getString("eventId"));
                      ackedAt.add(at(e));
                    }
                  }
                  return null;
                }));
      }
      for (int p = 0; p < posters; p++) {
        work.add(
            pool.submit(
                () -> {
                  for (int r = 0; r < postsEach; r++) {
                    List<String> lines = new ArrayList<>();
                    for (int i = 0; i < perPost; i++) {
                      lines.add(envelope(newId(), "busy.http"));
                    }
                    Reply reply = http.post(gateway.eventsUri(), Http.NDJSON, ndjson(lines));
                    assertThat(reply.status()).as("%s", reply).isEqualTo(202);
                    for (Object o : reply.json().getJsonArray("results")) {
                      JsonObject e = (JsonObject) o;
                      accepted.add(e.getString("eventId"));
                      ackedAt.add(at(e));
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> w : work) {
        w.get(90, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    int streamed = streams * framesPerStream * perFrame;
    int posted = posters * postsEach * perPost;
    assertThat(acked).hasSize(streamed);
    assertThat(new HashSet<>(acked)).as("distinct acked event ids").hasSize(streamed);
    assertThat(accepted).hasSize(posted);
    Map<String, String> inKafka = positions(KAFKA.consumeAll(busyTopic, READ));
    assertThat(inKafka).hasSize(streamed + posted);
    assertThat(inKafka.keySet()).containsAll(acked).containsAll(accepted);
    Set<String> answered = new HashSet<>(ackedAt);
    Set<String> held = new HashSet<>();
    inKafka.forEach((id, where) -> held.add(id + " " + where));
    assertThat(answered).as("eventId partition@offset answered").isEqualTo(held);
  }

  // ---------------------------------------------------------------------------------------------
  // protocol edges

  @Test
  void refusesFramesBeyondTheCreditsAndClosesWith4001AfterMaxViolations() throws Exception {
    long records = KAFKA.endOffsetsSum(edgeTopic);
    Metrics before = metrics(gateway);
    List<String> valid = new ArrayList<>();
    try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
      c.send(ndjson(edgeEvents(10, valid)), 10, SEND);
      JsonObject ack = c.next(ANSWER);
      assertThat(ack.getString("type")).isEqualTo("ack");

      for (int v = 1; v < MAX_CREDIT_VIOLATIONS; v++) {
        long frame = c.sendIgnoringCredits(ndjson(edgeEvents(CREDITS + 1, null)));
        JsonObject error = c.next(ANSWER);
        assertThat(error.getString("type")).as("%s", error).isEqualTo("error");
        assertThat(error.getLong("frame")).isEqualTo(frame);
        assertThat(error.getString("code")).isEqualTo("SLC-1009");
        assertThat(error.getBoolean("retryable")).isTrue();
        assertThat(error.containsKey("credits")).as("an error gives no credits").isFalse();
        // the stream still takes frames within the credits
        c.send(ndjson(edgeEvents(5, valid)), 5, SEND);
        JsonObject ok = c.next(ANSWER);
        assertThat(ok.getString("type")).as("%s", brief(ok)).isEqualTo("ack");
      }
      assertThat(c.isClosed()).isFalse();
      c.sendIgnoringCredits(ndjson(edgeEvents(CREDITS + 1, null)));

      assertThat(c.awaitClose(ANSWER)).isEqualTo((short) 4001);
      assertThat(c.drain()).extracting(f -> f.getString("type")).doesNotContain("ack", "nack");
    }
    assertThat(KAFKA.endOffsetsSum(edgeTopic))
        .as("only the frames within the credits are published")
        .isEqualTo(records + valid.size());
    Metrics after = metrics(gateway);
    assertThat(delta(before, after, "sluice_ingest_rejections_total", "reason", "credit_exceeded"))
        .isEqualTo(MAX_CREDIT_VIOLATIONS);
  }

  @Test
  void closesWith1003OnABinaryFrame() throws Exception {
    long records = KAFKA.endOffsetsSum(edgeTopic);
    try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
      c.sendBinary(
          Buffer.buffer(envelope(newId(), "edge.binary").getBytes(StandardCharsets.UTF_8)));

      assertThat(c.awaitClose(ANSWER)).isEqualTo((short) 1003);
    }
    assertThat(KAFKA.endOffsetsSum(edgeTopic)).isEqualTo(records);
  }

  @Test
  void closesWith1009AndPublishesNothingOfAMessageLargerThanMaxMessageBytes() throws Exception {
    long records = KAFKA.endOffsetsSum(edgeTopic);
    try (StreamClient c = StreamClient.connect(vertx, streamUri(gateway))) {
      int max = c.hello().getInteger("maxMessageBytes");
      String big = envelope(newId(), "edge.big", null, null, "{\"p\":\"" + "x".repeat(max) + "\"}");

      c.sendIgnoringCredits(big);

      assertThat(c.awaitClose(Duration.ofSeconds(10))).isEqualTo((short) 1009);
      assertThat(c.drain()).as("answers to a message larger than %s bytes", max).isEmpty();
    }
    assertThat(KAFKA.endOffsetsSum(edgeTopic)).as("records published").isEqualTo(records);
  }

  @Test
  void answers426ToAGetOfTheStreamWithoutUpgrade() throws Exception {
    Reply r = http.get(streamUri(gateway), "X-Request-Id", "it-no-upgrade");

    assertThat(r.status()).as("%s", r).isEqualTo(426);
    assertThat(r.json().getString("code")).isEqualTo("SLC-1010");
    assertThat(r.json().getString("requestId")).isEqualTo("it-no-upgrade");
  }

  @Test
  void closesWith1001OnShutdownOnlyAfterEverySentEventWasAcked() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-shutdown"), 3);
    int frames = 10;
    int perFrame = 50;
    // Kafka batches (well below batch.size) wait 1.5 s to be sent: the shutdown begins with frames
    // in flight
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("websocket.credits", frames * perFrame)
            .producer("linger.ms", 1500)
            .route("bye.#", topic);
    List<List<String>> sent = new ArrayList<>();
    List<JsonObject> answers;
    short code;
    int unackedAtShutdown;
    TestGateway g = TestGateway.startReady(config, http);
    try (g;
        StreamClient c = StreamClient.connect(vertx, streamUri(g))) {
      for (int f = 0; f < frames; f++) {
        List<String> ids = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < perFrame; i++) {
          String id = newId();
          ids.add(id);
          lines.add(envelope(id, "bye.now", "k" + (i % 10), null, "{}"));
        }
        sent.add(ids);
        c.send(ndjson(lines), perFrame, SEND);
      }
      // once the server has read every frame, shut it down while their events are being published
      await("server read every frame")
          .atMost(ANSWER)
          .pollInterval(Duration.ofMillis(5))
          .until(() -> gauge(g, "sluice_ws_frames_total", "direction", "in") == frames);
      unackedAtShutdown = frames - c.received();
      assertThat(unackedAtShutdown).as("frames still in flight when the shutdown began").isPositive();
      g.close();

      code = c.awaitClose(ANSWER);
      assertThat(c.receivedWhenClosed()).as("answers before the close").isEqualTo(frames);
      answers = c.drain();
      assertThat(c.problems()).isEmpty();
    }
    System.out.printf("shutdown: %d of %d frames unacked when it began%n", unackedAtShutdown, frames);
    assertThat(code).isEqualTo((short) 1001);
    assertThat(answers).extracting(a -> a.getString("type")).containsOnly("ack");
    for (int f = 0; f < frames; f++) {
      assertThat(eventIds(answers.get(f))).isEqualTo(sent.get(f));
    }
    Map<String, String> inKafka = positions(KAFKA.consumeAll(topic, READ));
    assertThat(inKafka).isEqualTo(ackedPositions(List.of(answers)));
  }

  // ---------------------------------------------------------------------------------------------

  private static URI streamUri(TestGateway g) {
    return g.ingestUri("/v1/stream");
  }

  /**
   * Reads answers until they settled {@code events} events (the credits of acks and nacks); fails
   * on an error frame.
   */
  private static List<JsonObject> settle(StreamClient c, int events) throws InterruptedException {
    List<JsonObject> out = new ArrayList<>();
    int settled = 0;
    while (settled < events) {
      JsonObject f = c.next(ANSWER);
      assertThat(f.getString("type")).as("%s", brief(f)).isIn("ack", "nack");
      settled += f.getInteger("credits");
      out.add(f);
    }
    return out;
  }

  private static void sendPressureFrame(StreamClient c, int n, List<List<String>> sent)
      throws InterruptedException {
    List<String> ids = new ArrayList<>(n);
    List<String> lines = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String id = newId();
      ids.add(id);
      lines.add(envelope(id, "pressure.tick", null, null, "{}"));
    }
    sent.add(ids);
    c.send(ndjson(lines), n, SEND);
  }

  /** Waits until the client's write queue has room again. */
  private static void awaitWritable(StreamClient c, long deadlineNanos) {
    await("client writable")
        .atMost(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())))
        .pollInterval(Duration.ofMillis(2))
        .until(() -> !c.writeQueueFull());
  }

  /** Whether the client's write queue is full and stays full for a second (its socket is stuck). */
  private static boolean stalled(StreamClient c) {
    try {
      await("client writable")
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(2))
          .until(() -> !c.writeQueueFull());
      return false;
    } catch (ConditionTimeoutException stuck) {
      return true;
    }
  }

  private static List<String> edgeEvents(int n, List<String> ids) {
    List<String> lines = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String id = newId();
      if (ids != null) {
        ids.add(id);
      }
      lines.add(envelope(id, "edge.credit"));
    }
    return lines;
  }

  private static String ndjson(List<String> lines) {
    return String.join("\n", lines) + "\n";
  }

  private static List<String> types(List<JsonObject> frames) {
    return frames.stream().map(f -> f.getString("type")).toList();
  }

  private static List<String> eventIds(JsonObject frame) {
    return frame.getJsonArray("events").stream()
        .map(o -> ((JsonObject) o).getString("eventId"))
        .toList();
  }

  private static Map<Integer, JsonObject> byIndex(JsonObject nack) {
    assertThat(nack.getString("type")).isEqualTo("nack");
    Map<Integer, JsonObject> out = new HashMap<>();
    for (Object o : nack.getJsonArray("events")) {
      JsonObject e = (JsonObject) o;
      assertThat(out.put(e.getInteger("index"), e)).as("index %s twice", e).isNull();
    }
    assertThat(out).hasSize(nack.getInteger("credits"));
    return out;
  }

  /** An SLC-1005 nack entry; {@code errors}, when given, are its exact pointer -> message. */
  private static void assertInvalid(JsonObject e, String eventId, Map<String, String> errors) {
    assertThat(e.getString("eventId")).as("%s", e).isEqualTo(eventId);
    assertThat(e.getString("code")).as("%s", e).isEqualTo("SLC-1005");
    assertThat(e.getBoolean("retryable")).isFalse();
    assertThat(e.getString("message")).isNotBlank();
    JsonArray list = e.getJsonArray("errors");
    assertThat(list).as("errors of %s", e).isNotEmpty();
    if (errors != null) {
      Map<String, String> actual = new HashMap<>();
      for (Object o : list) {
        JsonObject v = (JsonObject) o;
        actual.put(v.getString("pointer"), v.getString("message"));
      }
      assertThat(actual).isEqualTo(errors);
    }
  }

  private static List<String> pointers(JsonObject e) {
    return e.getJsonArray("errors").stream()
        .map(o -> ((JsonObject) o).getString("pointer"))
        .toList();
  }

  private static String at(JsonObject e) {
    return e.getString("eventId") + " " + e.getInteger("partition") + "@" + e.getLong("offset");
  }

  /** event id -> partition@offset of every event acked in {@code answers}. */
  private static Map<String, String> ackedPositions(Iterable<List<JsonObject>> answers) {
    Map<String, String> out = new HashMap<>();
    for (List<JsonObject> list : answers) {
      for (JsonObject a : list) {
        if ("ack".equals(a.getString("type"))) {
          for (Object o : a.getJsonArray("events")) {
            JsonObject e = (JsonObject) o;
            out.put(e.getString("eventId"), e.getInteger("partition") + "@" + e.getLong("offset"));
          }
        }
      }
    }
    return out;
  }

  /** event-id header -> partition@offset of each record; fails on a duplicate event id. */
  private static Map<String, String> positions(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, String> out = new HashMap<>(records.size() * 2);
    for (ConsumerRecord<byte[], byte[]> r : records) {
      String id = KafkaOps.header(r, "event-id");
      assertThat(out.put(id, r.partition() + "@" + r.offset())).as("%s twice in Kafka", id).isNull();
    }
    return out;
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }

  private static String brief(JsonObject frame) {
    String s = frame.encode();
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  private static Metrics metrics(TestGateway g) {
    try {
      Reply r = http.get(g.adminUri("/metrics"));
      assertThat(r.status()).isEqualTo(200);
      return Metrics.parse(r.text());
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError("cannot read /metrics: " + e, e);
    }
  }

  private static double gauge(TestGateway g, String name, String... labels) {
    Map<String, String> l = new HashMap<>();
    for (int i = 0; i + 1 < labels.length; i += 2) {
      l.put(labels[i], labels[i + 1]);
    }
    return metrics(g).sum(name, l);
  }

  private static double delta(
      Metrics before, Metrics after, String name, String label, String value) {
    Map<String, String> l = Map.of(label, value, "protocol", "websocket");
    if (!name.startsWith("sluice_ingest_")) {
      l = Map.of(label, value);
    }
    return after.sum(name, l) - before.sum(name, l);
  }
}
