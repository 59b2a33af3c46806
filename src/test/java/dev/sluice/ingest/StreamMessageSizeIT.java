package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebSocket message sizes with the JDK's client ({@link java.net.http.WebSocket}): a message up to
 * {@code websocket.max-message-bytes} is taken whether it comes in one frame or many, and a larger
 * one, in one frame or many, ends the stream with a close frame 1009 that the client reads (not a
 * dropped connection, 1006). The JDK client cuts a message into frames of {@value #JDK_BUFFER_PROPERTY}
 * (16 KiB by default); raised to 1 MiB here it sends each {@code sendText(text, true)} as one frame,
 * as browsers and Node's ws do.
 */
class StreamMessageSizeIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int MAX_MESSAGE_BYTES = 256 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(30);
  static final String JDK_BUFFER_PROPERTY = "jdk.httpclient.websocket.intermediateBufferSize";

  private static String jdkBufferBefore;

  private static Vertx vertx;
  private static Http http;
  private static HttpClient jdk;
  private static TestGateway gateway;
  private static String topic;

  @BeforeAll
  static void startGateway() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("stream-size"), 3);
    vertx = Vertx.vertx();
    http = new Http();
    jdkBufferBefore = System.setProperty(JDK_BUFFER_PROPERTY, Integer.toString(1 << 20));
    jdk = HttpClient.newHttpClient();
    gateway =
        TestGateway.startReady(
            GatewayConfig.forKafka(KAFKA.bootstrap())
                .set("websocket.max-message-bytes", MAX_MESSAGE_BYTES)
                .route("size.#", topic),
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
    if (jdk != null) {
      jdk.close();
    }
    if (jdkBufferBefore == null) {
      System.clearProperty(JDK_BUFFER_PROPERTY);
    } else {
      System.setProperty(JDK_BUFFER_PROPERTY, jdkBufferBefore);
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** What the other tests rely on: the JDK client does not split a message into frames. */
  @Test
  void theJdkClientSendsA200KiBMessageAsOneFrame() throws Exception {
    LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    HttpServer server =
        await(
            vertx
                .createHttpServer(new HttpServerOptions().setMaxWebSocketFrameSize(1 << 20).setHost("127.0.0.1"))
                .webSocketHandler(
                    ws ->
                        ws.frameHandler(
                            f -> {
                              if (f.type() != WebSocketFrameType.CLOSE) {
                                frames.add(f.type() + " " + f.binaryData().length() + " " + f.isFinal());
                              }
                            }))
                .listen(0));
    try {
      String text = "x".repeat(200 * 1024);
      Client c = Client.connect(URI.create("ws://127.0.0.1:" + server.actualPort() + "/"), false);

      c.ws.sendText(text, true).get(30, TimeUnit.SECONDS);

      assertThat(frames.poll(30, TimeUnit.SECONDS)).isEqualTo("TEXT " + text.length() + " true");
      c.ws.abort();
      assertThat(frames.poll(200, TimeUnit.MILLISECONDS)).as("a second frame").isNull();
    } finally {
      await(server.close());
    }
  }

  @Test
  void acksEveryEventOfA200KiBMessageSentAsOneFrame() throws Exception {
    Map<String, String> sent = new HashMap<>();
    StringBuilder message = new StringBuilder();
    while (message.length() < 200 * 1024) {
      String id = newId();
      String e = envelope(id, "size.one.frame", null, null, "{\"pad\":\"" + "p".repeat(1900) + "\"}");
      sent.put(id, e);
      message.append(e).append('\n');
    }
    assertThat(message.length()).isBetween(200 * 1024, MAX_MESSAGE_BYTES);
    Client c = Client.connect(streamUri(), true);

    c.ws.sendText(message, true).get(30, TimeUnit.SECONDS);

    JsonObject ack = c.next();
    assertThat(ack.getString("type")).as("%s", brief(ack)).isEqualTo("ack");
    assertThat(ack.getInteger("credits")).isEqualTo(sent.size());
    c.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1000 done");
    Map<String, byte[]> stored = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : KAFKA.consumeAll(topic, WAIT)) {
      stored.put(KafkaOps.header(r, "event-id"), r.value());
    }
    for (Map.Entry<String, String> e : sent.entrySet()) {
      assertThat(stored.get(e.getKey())).isEqualTo(e.getValue().getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void closesWith1009WhenOneFrameIsLargerThanMaxMessageBytes() throws Exception {
    long records = KAFKA.endOffsetsSum(topic);
    double before = tooLarge();
    Client c = Client.connect(streamUri(), true);

    c.send(envelope(newId(), "size.too.big", null, null, "{\"p\":\"" + "x".repeat(MAX_MESSAGE_BYTES) + "\"}"), true);

    assertThat(c.closed.get(20, TimeUnit.SECONDS))
        .isEqualTo("1009 a message is larger than " + MAX_MESSAGE_BYTES + " bytes (websocket.max-message-bytes)");
    assertThat(c.frames).as("answers").isEmpty();
    assertThat(KAFKA.endOffsetsSum(topic)).as("records published").isEqualTo(records);
    assertThat(tooLarge() - before).as("counted").isEqualTo(1);
    assertStillServes();
  }

  @Test
  void closesWith1009WhenAMessageOfManyFramesIsLargerThanMaxMessageBytes() throws Exception {
    long records = KAFKA.endOffsetsSum(topic);
    double before = tooLarge();
    Client c = Client.connect(streamUri(), true);
    String part = "x".repeat(100 * 1024);

    c.send("{\"eventId\":\"" + newId() + "\",\"data\":{\"p\":\"" + part, false);
    c.send(part, false);
    c.send(part, false); // passes the limit
    c.send(part + "\"}}", true);

    assertThat(c.closed.get(20, TimeUnit.SECONDS))
        .isEqualTo("1009 a message is larger than " + MAX_MESSAGE_BYTES + " bytes (websocket.max-message-bytes)");
    assertThat(c.frames).as("answers").isEmpty();
    assertThat(KAFKA.endOffsetsSum(topic)).as("records published").isEqualTo(records);
    assertThat(tooLarge() - before).as("counted").isEqualTo(1);
    assertStillServes();
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertStillServes() throws Exception {
    Client c = Client.connect(streamUri(), true);
    c.ws.sendText(envelope(newId(), "size.after"), true).get(10, TimeUnit.SECONDS);
    assertThat(c.next().getString("type")).isEqualTo("ack");
    c.ws.abort();
  }

  private static double tooLarge() throws Exception {
    return Metrics.parse(http.get(gateway.adminUri("/metrics")).text())
        .sum("sluice_ingest_rejections_total", Map.of("reason", "body_too_large", "protocol", "websocket"));
  }

  private static URI streamUri() {
    return URI.create(gateway.ingestUri("/v1/stream").toString().replaceFirst("^http", "ws"));
  }

  private static String brief(JsonObject frame) {
    String s = frame.encode();
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * A JDK WebSocket client: server messages (after hello) as JSON, and how the stream ended — {@code
   * "<code> <reason>"} from the server's close frame, or {@code "error: ..."} when the connection
   * broke without one.
   */
  private static final class Client implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    final CompletableFuture<JsonObject> hello = new CompletableFuture<>();
    final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final boolean expectHello;
    private final StringBuilder text = new StringBuilder();
    WebSocket ws;

    private Client(boolean expectHello) {
      this.expectHello = expectHello;
    }

    static Client connect(URI uri, boolean expectHello) throws Exception {
      Client c = new Client(expectHello);
      c.ws = jdk.newWebSocketBuilder().buildAsync(uri, c).get(10, TimeUnit.SECONDS);
      if (expectHello) {
        assertThat(c.hello.get(10, TimeUnit.SECONDS).getInteger("maxMessageBytes")).isEqualTo(MAX_MESSAGE_BYTES);
      }
      return c;
    }

    /** Sends a frame and waits until it is written, or the connection refused it (once closed). */
    void send(String data, boolean last) throws InterruptedException {
      try {
        ws.sendText(data, last).get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        problems.add("send: " + e);
      }
    }

    JsonObject next() throws InterruptedException {
      JsonObject f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(f).as("a frame within %s (closed: %s, problems: %s)", WAIT, closed.getNow(null), problems).isNotNull();
      return f;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        JsonObject frame = new JsonObject(text.toString());
        text.setLength(0);
        if (expectHello && !hello.isDone()) {
          hello.complete(frame);
        } else {
          frames.add(frame);
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      problems.add(error.toString());
      closed.complete("error: " + error);
    }
  }
}
