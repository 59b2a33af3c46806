package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Malformed;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Over 10,000 generated malformed requests to a real gateway and Kafka: HTTP bodies, headers, content
 * types and protocol abuse over raw sockets ({@link FuzzRequests}), WebSocket frames no library sends
 * ({@link FuzzWire.Ws}) and gRPC messages over HTTP/2 with prior knowledge ({@link FuzzGrpc}), mixed
 * with valid events. No answer is a 5xx other than 503, every HTTP refusal carries an SLC code, Kafka
 * holds exactly the events the answers accepted, and the gateway is ready afterwards. The seed is
 * printed; {@code -Dsluice.fuzz.seed=N} replays a run.
 */
class FuzzIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int HTTP_REQUESTS = 10_000;
  private static final int WS_SESSIONS = 300;
  private static final int THREADS = 4;

  private final FuzzTally tally = new FuzzTally();

  @Test
  void malformedInputNeverGets5xxAndKafkaHoldsExactlyTheAcceptedEvents() throws Exception {
    long seed = Long.getLong("sluice.fuzz.seed", System.nanoTime());
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("fuzz"), 3);
    GatewayConfig config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("fuzz.#", topic)
        .set("http.body-timeout-ms", 1000).set("websocket.max-message-bytes", 65_536);
    long started = System.nanoTime();
    try (Http http = new Http(); TestGateway gateway = TestGateway.startReady(config, http)) {
      Vertx vertx = Vertx.vertx();
      try {
        long before = KAFKA.endOffsetsSum(topic);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          work.add(pool.submit(() -> timed("http" + thread, () -> http(config.httpPort(), seed, thread))));
        }
        work.add(pool.submit(() -> timed("ws", () -> webSockets(config.httpPort(), seed))));
        work.add(pool.submit(() -> timed("grpc", () -> new FuzzGrpc(tally).run(vertx, config.httpPort(), seed))));
        for (Future<?> f : work) {
          f.get(85, TimeUnit.SECONDS);
        }
        pool.shutdown();

        String report = "seed " + seed + " (-Dsluice.fuzz.seed=" + seed + "): " + new TreeMap<>(tally.statuses)
            + ", malformed " + tally.malformed + ", valid events sent " + tally.valid + ", accepted " + tally.accepted
            + ", unknown outcome " + tally.unknown + ", "
            + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms";
        System.out.println("FuzzIT " + report);
        tally.problems.stream().limit(30).forEach(p -> System.out.println("FuzzIT problem: " + p));
        assertThat(tally.problems).as(report).isEmpty();
        assertThat(tally.malformed.get()).as(report).isGreaterThanOrEqualTo(10_000);
        assertThat(tally.accepted.get()).as(report).isGreaterThanOrEqualTo(tally.valid.get());
        Awaitility.await("Kafka holds the accepted events").atMost(Duration.ofSeconds(10))
            .until(() -> KAFKA.endOffsetsSum(topic) - before >= tally.accepted.get());
        assertThat(KAFKA.endOffsetsSum(topic) - before).as(report + ", unknown outcome " + tally.unknown)
            .isBetween(tally.accepted.get(), tally.accepted.get() + tally.unknown.get());
        assertThat(http.get(gateway.adminUri("/health/ready")).status()).as(report).isEqualTo(200);
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
      }
    }
  }

  private Void http(int port, long seed, int thread) throws Exception {
    for (int i = thread; i < HTTP_REQUESTS; i += THREADS) {
      Random r = new Random(seed * 31 + i);
      int[] events = new int[1];
      boolean isValid = r.nextInt(12) == 0;
      FuzzRequests.Request req = isValid ? FuzzRequests.valid(r, events) : FuzzRequests.malformed(r);
      (isValid ? tally.valid : tally.malformed).addAndGet(isValid ? events[0] : 1);
      List<FuzzWire.Answer> answers;
      try {
        answers = FuzzWire.exchange(port, req.bytes(), !req.answered());
      } catch (java.net.SocketTimeoutException e) {
        tally.count("http no answer (" + req.kind() + ")");
        continue;
      }
      if (answers.isEmpty()) {
        tally.count("http closed without answer (" + req.kind() + ")");
      }
      for (FuzzWire.Answer a : answers) {
        tally.count("http " + a.status());
        tally.checkStatus("http #" + i + " " + req.kind(), a.status(), a.body());
        if (a.status() >= 400 && !a.body().contains("\"SLC-")) {
          tally.problems.add("http #" + i + " " + req.kind() + ": " + a.status() + " without an SLC code: " + a.body());
        }
        if (a.status() == 202 || a.status() == 207) {
          JsonObject body = new JsonObject(a.body());
          tally.accepted.addAndGet(body.containsKey("accepted") ? body.getInteger("accepted")
              : "accepted".equals(body.getString("status")) ? 1 : 0);
        }
      }
      if (isValid && (answers.isEmpty() || answers.get(0).status() != 202)) {
        tally.problems.add("http #" + i + ": a valid request got " + answers);
      }
    }
    return null;
  }

  private Void timed(String part, java.util.concurrent.Callable<Void> work) throws Exception {
    long t0 = System.nanoTime();
    try {
      return work.call();
    } catch (Exception | AssertionError e) {
      tally.problems.add(part + " stopped: " + e);
      e.printStackTrace(System.out);
      return null;
    } finally {
      System.out.println("FuzzIT " + part + " took " + (System.nanoTime() - t0) / 1_000_000 + " ms; " + tally.statuses);
    }
  }

  /** One valid frame (its ack awaited), then one abusive frame, then whatever the server says until it closes. */
  private Void webSockets(int port, long seed) throws Exception {
    for (int i = 0; i < WS_SESSIONS; i++) {
      Random r = new Random(seed * 17 + i);
      try (FuzzWire.Ws ws = new FuzzWire.Ws(port, r)) {
        Object[] hello = ws.next();
        assertThat(hello).as("hello").isNotNull();
        int n = 1 + r.nextInt(3);
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < n; k++) {
          lines.add(Malformed.envelope(r, FuzzRequests.TYPE));
        }
        tally.valid.addAndGet(n);
        ws.send(true, 1, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8), true, 0);
        if (acks(ws, true) != n) {
          tally.problems.add("ws #" + i + ": a valid frame of " + n + " events was not acked");
        }
        tally.malformed.incrementAndGet();
        int abuse = abuse(ws, r);
        if (acks(ws, true) < 0) {
          tally.count("ws silent after abuse " + abuse);
        }
        try {
          ws.send(true, 8, new byte[] {0x03, (byte) 0xE8}, true, 0); // 1000: done
        } catch (java.io.IOException e) {
          // already closed by the server
        }
        acks(ws, false);
        tally.count("ws sessions");
      }
    }
    return null;
  }

  private static int abuse(FuzzWire.Ws ws, Random r) throws Exception {
    byte[] valid = Malformed.envelope(r, FuzzRequests.TYPE).getBytes(StandardCharsets.UTF_8);
    int kind = r.nextInt(10);
    switch (kind) {
      case 0 -> ws.send(true, 1, FuzzRequests.concat(valid, new byte[] {(byte) 0xC0, (byte) 0xAF}), true, 0);
      case 1 -> ws.send(true, 2, valid, true, 0);
      case 2 -> {
        int cut = r.nextInt(valid.length);
        ws.send(false, 1, java.util.Arrays.copyOf(valid, cut), true, 0);
        ws.send(true, 0, java.util.Arrays.copyOfRange(valid, cut, valid.length), true, 0); // a valid message
      }
      case 3 -> ws.send(true, 1, Malformed.randomBytes(r, 70_000 + r.nextInt(30_000)), true, 0);
      case 4 -> ws.send(true, 9, new byte[126 + r.nextInt(200)], true, 0); // ping over 125 bytes
      case 5 -> ws.send(true, 1, valid, false, 0); // unmasked
      case 6 -> ws.send(true, 0, valid, true, 0); // continuation without a start
      case 7 -> ws.send(true, 3 + r.nextInt(5), valid, true, 0); // reserved opcode
      case 8 -> ws.send(true, 1, valid, true, 1 + r.nextInt(7)); // RSV bits without an extension
      default -> ws.send(true, 1, Malformed.any(r, valid), true, 0);
    }
    return kind;
  }

  /** Reads frames, adding the credits of acks, until one answer ({@code one}) or the end of the connection. */
  private int acks(FuzzWire.Ws ws, boolean one) throws Exception {
    int credits = 0;
    boolean any = false;
    Object[] frame;
    while ((frame = ws.next()) != null) {
      any = true;
      int opcode = (int) frame[0];
      if (opcode == 8) {
        tally.count("ws close " + (((byte[]) frame[1]).length >= 2
            ? ((((byte[]) frame[1])[0] & 0xFF) << 8 | (((byte[]) frame[1])[1] & 0xFF)) : 0));
        return credits;
      }
      if (opcode != 1) {
        continue;
      }
      JsonObject msg = new JsonObject(new String((byte[]) frame[1], StandardCharsets.UTF_8));
      tally.count("ws " + msg.getString("type"));
      if ("ack".equals(msg.getString("type"))) {
        credits += msg.getInteger("credits");
        tally.accepted.addAndGet(msg.getInteger("credits"));
      }
      if (one) {
        return credits;
      }
    }
    return any ? credits : -1;
  }
}
