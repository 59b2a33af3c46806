package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

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
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Text encodings at the edges, against a real Kafka: a UTF-8 byte-order mark before an HTTP body, an
 * NDJSON line or a WebSocket message is skipped and the Kafka record holds exactly the envelope's
 * bytes; UTF-16/UTF-32 and invalid UTF-8 are refused naming the problem and publish nothing.
 */
class EncodingIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final Duration READ = Duration.ofSeconds(30);
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private static Vertx vertx;
  private static Http http;
  private static TestGateway gateway;
  private static String topic;

  @BeforeAll
  static void startGateway() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("encoding"), 3);
    vertx = Vertx.vertx();
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap()).route("enc.#", topic), http);
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

  @Test
  void storesExactlyTheEnvelopesOfHttpBodiesWithAByteOrderMark() throws Exception {
    Map<String, String> sent = new HashMap<>();
    String single = event(sent);
    String first = event(sent);
    String second = event(sent);
    String line1 = event(sent);
    String line2 = event(sent);
    String line3 = event(sent);

    List<Reply> replies = new ArrayList<>();
    replies.add(http.post(gateway.eventsUri(), Http.JSON, bytes(BOM, single)));
    replies.add(http.post(gateway.eventsUri(), Http.JSON, bytes(BOM, "[" + first + ",\n" + second + "]")));
    replies.add(http.post(gateway.eventsUri(), Http.NDJSON, bytes(BOM, line1, "\n", BOM, line2, "\r\n")));
    replies.add(http.post(gateway.eventsUri(), Http.NDJSON, bytes(line3, "\n", BOM, "\n")));

    for (Reply r : replies) {
      assertThat(r.status()).as("%s", r).isEqualTo(202);
    }
    assertStoredExactly(sent);
  }

  @Test
  void storesExactlyTheEnvelopesOfWebSocketMessagesWithAByteOrderMark() throws Exception {
    Map<String, String> sent = new HashMap<>();
    String single = event(sent);
    String line1 = event(sent);
    String line2 = event(sent);

    try (StreamClient c = StreamClient.connect(vertx, streamUri())) {
      c.send("\uFEFF" + single, 1, READ);
      c.send("\uFEFF" + line1 + "\n\uFEFF" + line2 + "\n", 2, READ);

      JsonObject answer = c.next(READ);
      assertThat(answer.getString("type")).as("%s", answer).isEqualTo("ack");
      JsonObject lines = c.next(READ);
      assertThat(lines.getString("type")).as("%s", lines).isEqualTo("ack");
      assertThat(lines.getInteger("credits")).isEqualTo(2);
      assertThat(c.problems()).isEmpty();
    }
    assertStoredExactly(sent);
  }

  @Test
  void refusesHttpBodiesThatAreNotUtf8NamingWhere() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);
    Metrics metricsBefore = metrics();
    String e = envelope(newId(), "enc.refused");
    String head = e.substring(0, e.indexOf("\"data\":{") + 8);

    Reply utf16 = http.post(gateway.eventsUri(), Http.JSON, ("\uFEFF" + e).getBytes(StandardCharsets.UTF_16LE));
    Reply utf32 = http.post(gateway.eventsUri(), Http.NDJSON, e.getBytes("UTF-32BE"));
    Reply overlong = http.post(gateway.eventsUri(), Http.JSON, bytes(head, "\"k\":\"", hex("C0AF"), "\"}}"));
    Reply surrogate =
        http.post(gateway.eventsUri(), Http.NDJSON, bytes(e, "\n", head, "\"", hex("EDA080"), "\":1}}\n"));

    assertRefused(utf16, "malformed JSON at line 1, column 1: not UTF-8: the body starts with FF FE");
    assertRefused(utf32, "malformed JSON at line 1, column 1: not UTF-8: a zero byte");
    assertRefused(overlong, "malformed JSON at line 1, column " + (head.length() + 6) + ": invalid UTF-8 (C0 AF)");
    assertRefused(surrogate, "malformed JSON at line 2, column " + (head.length() + 2) + ": invalid UTF-8 (ED A0 80)");
    assertThat(KAFKA.endOffsetsSum(topic)).as("records published").isEqualTo(before);
    Map<String, String> malformed = Map.of("reason", "malformed_json", "protocol", "http");
    assertThat(metrics().sum("sluice_ingest_rejections_total", malformed)
            - metricsBefore.sum("sluice_ingest_rejections_total", malformed))
        .isEqualTo(4);
  }

  /** Vert.x would decode such a message with U+FFFD in place of the bad bytes, and publish that. */
  @Test
  void refusesAWebSocketMessageThatIsNotUtf8WithAnErrorFrame() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);
    String e = envelope(newId(), "enc.ws.refused");
    int cut = e.indexOf("\"data\":{") + 8;

    try (StreamClient c = StreamClient.connect(vertx, streamUri())) {
      // a text frame's payload is a String; the bad bytes go in a continuation frame
      c.sendFrame(WebSocketFrame.textFrame(e.substring(0, cut) + "\"k\":\"", false));
      c.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(bytes(hex("F4908080"), "\"}}")), true));

      JsonObject error = c.next(READ);
      assertThat(error.getString("type")).as("%s", error).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("SLC-1001");
      assertThat(error.getString("message"))
          .startsWith("malformed JSON at line 1, column " + (cut + 6) + ": invalid UTF-8 (F4 90 80 80)");
      String after = envelope(newId(), "enc.ws.after");
      c.send(after, 1, READ);
      assertThat(c.next(READ).getString("type")).as("the stream goes on").isEqualTo("ack");
    }
    assertThat(KAFKA.endOffsetsSum(topic)).as("records published").isEqualTo(before + 1);
  }

  // ---------------------------------------------------------------------------------------------

  private static String event(Map<String, String> sent) {
    String id = newId();
    String e = envelope(id, "enc.bom", null, null, "{\"x\":\"caf\u00e9 \u20ac \ud83d\ude00\"}");
    sent.put(id, e);
    return e;
  }

  /** Every sent envelope is in Kafka once, its value byte for byte what was sent (no BOM, nothing cut). */
  private static void assertStoredExactly(Map<String, String> sent) {
    Map<String, byte[]> stored = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : KAFKA.consumeAll(topic, READ)) {
      stored.put(KafkaOps.header(r, "event-id"), r.value());
    }
    for (Map.Entry<String, String> e : sent.entrySet()) {
      assertThat(stored).containsKey(e.getKey());
      assertThat(stored.get(e.getKey()))
          .as("value of %s: %s", e.getKey(), HexFormat.of().formatHex(stored.get(e.getKey()), 0, 8))
          .isEqualTo(e.getValue().getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void assertRefused(Reply r, String messageStart) {
    assertThat(r.status()).as("%s", r).isEqualTo(400);
    assertThat(r.json().getString("code")).isEqualTo("SLC-1001");
    assertThat(r.json().getString("message")).as("%s", r).startsWith(messageStart).endsWith("(RFC 8259)");
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      out.writeBytes(p instanceof byte[] b ? b : ((String) p).getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  private static URI streamUri() {
    return gateway.ingestUri("/v1/stream");
  }

  private static Metrics metrics() {
    try {
      return Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError("cannot read /metrics: " + e, e);
    }
  }
}
