package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that send their bodies slowly, on raw sockets so that the trickle is real: they hold no
 * more of the in-flight byte budget than they sent, so other clients are still served, and a body not
 * received within {@code http.body-timeout-ms} of its headers is answered 408 SLC-1011 and its budget
 * released — over HTTP/1.1 and HTTP/2.
 */
class SlowUploadIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int BUDGET = 1 << 20;
  private static final int MAX_BODY = 64 * 1024;
  private static final long BODY_TIMEOUT_MS = 2000;
  /** Kafka's answer takes longer than the body timeout: a body read in time is never cut off after. */
  private static final long LINGER_MS = 3000;

  private static final int TRICKLERS = 16;

  private static Http http;
  private static TestGateway gateway;
  private static ScheduledExecutorService trickle;

  @BeforeAll
  static void startGateway() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("slow-upload"), 3);
    http = new Http();
    trickle = Executors.newScheduledThreadPool(2);
    gateway =
        TestGateway.startReady(
            GatewayConfig.forKafka(KAFKA.bootstrap())
                .set("limits.max-in-flight-bytes", BUDGET)
                .set("http.max-body-bytes", MAX_BODY)
                .set("http.body-timeout-ms", BODY_TIMEOUT_MS)
                .producer("linger.ms", LINGER_MS)
                .route("slow.#", topic),
            http);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (trickle != null) {
      trickle.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @Test
  void sixteenTricklingUploadsDoNotStopASeventeenthClientAndAreEndedWith408() throws Exception {
    double timeoutsBefore = rejections("body_timeout");
    List<Trickler> tricklers = new ArrayList<>();
    try {
      // each announces the largest body allowed: together, exactly the whole budget
      for (int i = 0; i < TRICKLERS; i++) {
        tricklers.add(Trickler.start(gateway.ingestUri("/").getPort(), MAX_BODY));
      }
      assertThat((long) TRICKLERS * MAX_BODY).isEqualTo(BUDGET);

      Reply other = http.post(gateway.eventsUri(), Http.JSON, envelope(newId(), "slow.other"));

      assertThat(other.status()).as("%s", other).isEqualTo(202);
      assertThat(other.took()).as("answered after the body timeout").isGreaterThan(Duration.ofMillis(BODY_TIMEOUT_MS));
      for (Trickler t : tricklers) {
        String answer = t.awaitAnswer(Duration.ofMillis(BODY_TIMEOUT_MS + 5000));
        assertThat(answer).startsWith("HTTP/1.1 408 ").contains("\"code\":\"SLC-1011\"");
        assertThat(t.answeredAfter()).isBetween(Duration.ofMillis(BODY_TIMEOUT_MS), Duration.ofMillis(BODY_TIMEOUT_MS + 3000));
        assertThat(t.awaitClosedByServer(Duration.ofSeconds(5))).as("connection closed after the 408").isTrue();
      }
    } finally {
      tricklers.forEach(Trickler::close);
    }
    await("budget released")
        .atMost(Duration.ofSeconds(5))
        .until(() -> metrics().sum("sluice_inflight_bytes") == 0);
    assertThat(rejections("body_timeout") - timeoutsBefore).isEqualTo(TRICKLERS);
  }

  @Test
  void endsATricklingHttp2StreamWith408AndKeepsTheConnection() throws Exception {
    double timeoutsBefore = rejections("body_timeout");
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client =
          vertx.createHttpClient(
              new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
      RequestOptions post =
          new RequestOptions()
              .setMethod(HttpMethod.POST)
              .setHost("127.0.0.1")
              .setPort(gateway.ingestUri("/").getPort())
              .setURI("/v1/events")
              .putHeader("content-type", Http.NDJSON);
      HttpClientRequest slow = get(client.request(post));
      CompletableFuture<Throwable> reset = new CompletableFuture<>();
      slow.exceptionHandler(reset::complete);
      slow.putHeader("content-length", Integer.toString(MAX_BODY));
      long started = System.nanoTime();
      get(slow.write(Buffer.buffer("{\"eventId\"")));
      ScheduledFuture<?> drip = trickle.scheduleAtFixedRate(() -> slow.write(Buffer.buffer(" ")), 200, 200, TimeUnit.MILLISECONDS);
      try {
        AtomicReference<HttpClientResponse> answer = new AtomicReference<>();
        Buffer text =
            get(
                slow.response()
                    .compose(
                        r -> {
                          answer.set(r);
                          return r.body();
                        }));
        JsonObject body = new JsonObject(text);
        HttpClientResponse r = answer.get();

        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(r.statusCode()).as("%s", body).isEqualTo(408);
        assertThat(body.getString("code")).isEqualTo("SLC-1011");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(BODY_TIMEOUT_MS));
        assertThat(reset.get(5, TimeUnit.SECONDS))
            .as("the server asks the client to stop sending (RST_STREAM NO_ERROR) after a linger")
            .isInstanceOfSatisfying(StreamResetException.class, e -> assertThat(e.getCode()).isZero());
      } finally {
        drip.cancel(false);
      }
      HttpClientRequest next = get(client.request(post));
      HttpClientResponse ok = get(next.send(Buffer.buffer(envelope(newId(), "slow.h2"))));
      assertThat(ok.statusCode()).as("the same connection serves the next stream").isEqualTo(202);
      assertThat(ok.request().connection()).isSameAs(slow.connection());
    } finally {
      get(vertx.close());
    }
    await("budget released")
        .atMost(Duration.ofSeconds(5))
        .until(() -> metrics().sum("sluice_inflight_bytes") == 0);
    assertThat(rejections("body_timeout") - timeoutsBefore).isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------

  private static double rejections(String reason) throws Exception {
    return metrics().sum("sluice_ingest_rejections_total", Map.of("reason", reason, "protocol", "http"));
  }

  private static Metrics metrics() throws Exception {
    return Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
  }

  private static <T> T get(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * An HTTP/1.1 POST written by hand: headers announcing {@code length} bytes with {@code Expect:
   * 100-continue} (the server's 100 says it took the headers), then one byte every 200 ms.
   */
  private static final class Trickler implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long started;
    private ScheduledFuture<?> drip;
    private long answeredAt;

    private Trickler(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
      this.started = System.nanoTime();
    }

    static Trickler start(int port, int length) throws IOException {
      Trickler t = new Trickler(new Socket("127.0.0.1", port));
      t.socket.setSoTimeout(10_000);
      t.out.write(
          ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/x-ndjson\r\n"
                  + "Content-Length: " + length + "\r\nExpect: 100-continue\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      t.out.flush();
      String continued = t.readHead();
      assertThat(continued).as("answer to the headers").startsWith("HTTP/1.1 100 ");
      t.out.write("{\"eventId\"".getBytes(StandardCharsets.US_ASCII));
      t.out.flush();
      t.drip = trickle.scheduleAtFixedRate(t::drip, 200, 200, TimeUnit.MILLISECONDS);
      return t;
    }

    private void drip() {
      try {
        out.write(' ');
        out.flush();
      } catch (IOException closed) {
        drip.cancel(false);
      }
    }

    /** The status line, headers and body of the answer. */
    String awaitAnswer(Duration timeout) throws IOException {
      socket.setSoTimeout((int) timeout.toMillis());
      String head = readHead();
      answeredAt = System.nanoTime();
      drip.cancel(false);
      int length = 0;
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    Duration answeredAfter() {
      return Duration.ofNanos(answeredAt - started);
    }

    /** Whether the server closed the connection (end of stream) within the timeout. */
    boolean awaitClosedByServer(Duration timeout) throws IOException {
      socket.setSoTimeout((int) timeout.toMillis());
      try {
        return in.read() == -1;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      }
    }

    private String readHead() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed after: " + head.toString(StandardCharsets.US_ASCII));
        }
        head.write(b);
      }
      return head.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
      if (drip != null) {
        drip.cancel(false);
      }
      try {
        socket.close();
      } catch (IOException ignored) {
        // gone already
      }
    }
  }
}
