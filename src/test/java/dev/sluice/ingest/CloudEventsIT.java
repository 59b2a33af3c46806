package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CloudEvents over HTTP into a real Kafka through an in-process gateway, clients independent of Sluice:
 * the CloudEvents SDK writes the structured and batch bodies and reads the records back (its Kafka
 * deserializer); java.net.http sends. Routes: {@code native.#} (native records), {@code binary.#}
 * (cloudevents-binary), {@code structured.#} (cloudevents-structured), {@code bad.#}.
 */
class CloudEventsIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final Duration READ = Duration.ofSeconds(30);
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String STRUCTURED = "application/cloudevents+json";
  private static final String BATCH = "application/cloudevents-batch+json";
  private static final EventFormat JSON_FORMAT =
      EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);

  private static String nativeTopic;
  private static String binaryTopic;
  private static String structuredTopic;
  private static String badTopic;
  private static Http http;
  private static TestGateway gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    nativeTopic = KAFKA.createTopic(KAFKA.uniqueTopic("ce-native"), 1);
    binaryTopic = KAFKA.createTopic(KAFKA.uniqueTopic("ce-binary"), 1);
    structuredTopic = KAFKA.createTopic(KAFKA.uniqueTopic("ce-structured"), 1);
    badTopic = KAFKA.createTopic(KAFKA.uniqueTopic("ce-bad"), 1);
    http = new Http();
    gateway = TestGateway.startReady(
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .routeWithFormat("native.#", nativeTopic, "native")
            .routeWithFormat("binary.#", binaryTopic, "cloudevents-binary")
            .routeWithFormat("structured.#", structuredTopic, "cloudevents-structured")
            .route("bad.#", badTopic),
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
  }

  static CloudEvent event(String type) {
    return CloudEventBuilder.v1()
        .withId("it-" + UUID.randomUUID())
        .withSource(URI.create("https://shop.example/orders"))
        .withType(type)
        .withTime(OffsetDateTime.parse("2026-11-29T11:59:58.5+01:00"))
        .withSubject("orders/42 caf\u00e9") // not ASCII: percent-encoded in binary mode
        .withDataSchema(URI.create("https://schemas.example/order/2.json"))
        .withExtension("partitionkey", "order-42")
        .withExtension("eventversion", "2")
        .withExtension("correlationid", "corr-7")
        .withExtension("causationid", "cause-3")
        .withExtension("tenant", "acme")
        .withExtension("traceparent", TRACEPARENT)
        .withData("application/json", "{\"orderId\":42,\"note\":\"\u20ac\"}".getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /**
   * Binary mode as the SDK's HTTP binding (cloudevents-http-basic) writes it: a {@code ce-} header per
   * attribute, data the body; values percent-encoded here (HTTP binding 3.1.3.2: space, '"', '%' and
   * what is not printable ASCII), which that writer leaves to its caller.
   */
  static Reply sendBinary(CloudEvent ce) throws Exception {
    List<String> headers = new ArrayList<>();
    String contentType = null;
    byte[][] body = new byte[1][];
    HttpMessageFactory.createWriter((name, value) -> {
      headers.add(name);
      headers.add(percent(value));
    }, bytes -> body[0] = bytes).writeBinary(ce);
    for (int i = 0; i < headers.size(); i += 2) {
      if (headers.get(i).equalsIgnoreCase("content-type")) {
        contentType = headers.remove(i + 1);
        headers.remove(i);
        break;
      }
    }
    return http.post(gateway.eventsUri(), contentType, body[0], headers.toArray(new String[0]));
  }

  private static String percent(String v) {
    StringBuilder out = new StringBuilder();
    for (byte b : v.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c <= 0x20 || c >= 0x7F || c == '"' || c == '%') {
        out.append('%').append(String.format("%02X", c));
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }

  @Test
  void theSameEventInTheThreeHttpModesProducesEqualKafkaRecords() throws Exception {
    for (String type : List.of("native.order.created", "binary.order.created", "structured.order.created")) {
      String topic = type.startsWith("native") ? nativeTopic : type.startsWith("binary") ? binaryTopic : structuredTopic;
      CloudEvent ce = event(type);
      long before = KAFKA.endOffsetsSum(topic);

      Reply structured = http.post(gateway.eventsUri(), STRUCTURED, JSON_FORMAT.serialize(ce));
      Reply batch = http.post(gateway.eventsUri(), BATCH, "[" + new String(JSON_FORMAT.serialize(ce),
          StandardCharsets.UTF_8) + "]");
      Reply binary = sendBinary(ce);

      assertThat(structured.status()).as(structured.toString()).isEqualTo(202);
      assertThat(batch.status()).as(batch.toString()).isEqualTo(202);
      assertThat(binary.status()).as(binary.toString()).isEqualTo(202);
      List<ConsumerRecord<byte[], byte[]>> records = KAFKA.consume(topic, before + 3, READ).subList((int) before,
          (int) before + 3);
      for (ConsumerRecord<byte[], byte[]> r : records.subList(1, 3)) {
        assertThat(new String(r.value(), StandardCharsets.UTF_8)).as(type)
            .isEqualTo(new String(records.get(0).value(), StandardCharsets.UTF_8));
        assertThat(headers(r)).as(type).isEqualTo(headers(records.get(0)));
        assertThat(r.key()).isEqualTo("order-42".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(headers(records.get(0))).containsEntry("traceparent", TRACEPARENT)
          .containsEntry("event-id", ce.getId()).containsEntry("correlation-id", "corr-7");
    }
  }

  @Test
  void binaryAndStructuredRoutesReadBackWithTheSdkEqualToWhatWasSent() throws Exception {
    CloudEvent toBinary = event("binary.order.paid");
    CloudEvent toStructured = event("structured.order.paid");
    long binaryBefore = KAFKA.endOffsetsSum(binaryTopic);
    long structuredBefore = KAFKA.endOffsetsSum(structuredTopic);

    assertThat(sendBinary(toBinary).status()).isEqualTo(202);
    assertThat(http.post(gateway.eventsUri(), STRUCTURED, JSON_FORMAT.serialize(toStructured)).status()).isEqualTo(202);

    CloudEvent binaryBack = read(binaryTopic, binaryBefore);
    assertThat(binaryBack).isEqualTo(toBinary); // id, type, source, time, subject, dataschema, extensions, data bytes
    CloudEvent structuredBack = read(structuredTopic, structuredBefore);
    assertThat(CloudEventBuilder.v1(structuredBack)
            .withData("application/json", structuredBack.getData().toBytes()).build())
        .isEqualTo(toStructured);
  }

  @Test
  void aNativeEventOnABinaryRouteReadsBackAsItsCloudEvent() throws Exception {
    String id = UUID.randomUUID().toString();
    String env = "{\"eventId\":\"" + id + "\",\"eventType\":\"binary.user.created\",\"eventVersion\":3,"
        + "\"occurredAt\":\"2026-11-29T12:00:00Z\",\"source\":\"accounts\",\"aggregateId\":\"user-9\","
        + "\"subject\":\"users/9\",\"extensions\":{\"tenant\":\"acme\"},\"data\":{\"name\":\"Ann\"}}";
    long before = KAFKA.endOffsetsSum(binaryTopic);

    Reply r = http.post(gateway.eventsUri(), Http.JSON, env, "x-correlation-id", "req-corr-1");

    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    CloudEvent expected = CloudEventBuilder.v1()
        .withId(id).withType("binary.user.created").withSource(URI.create("accounts"))
        .withTime(OffsetDateTime.parse("2026-11-29T12:00:00Z")).withSubject("users/9")
        .withExtension("partitionkey", "user-9").withExtension("eventversion", "3")
        .withExtension("correlationid", "req-corr-1").withExtension("tenant", "acme")
        .withData("application/json", "{\"name\":\"Ann\"}".getBytes(StandardCharsets.UTF_8))
        .build();
    assertThat(read(binaryTopic, before)).isEqualTo(expected);
  }

  @Test
  void invalidCloudEventsGet422WithPointersAndNothingIsPublished() throws Exception {
    String ok = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"bad.thing\",\"data\":{}}";
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put(ok.replace("\"1.0\"", "\"0.3\""), "/specversion");
    cases.put(ok.replace("\"id\":\"1\",", ""), "/id");
    cases.put(ok.replace("\"type\":\"bad.thing\",", ""), "/type");
    cases.put(ok.replace("\"source\":\"/s\",", ""), "/source");
    cases.put(ok.replace("\"data\":{}", "\"data_base64\":\"AAEC\""), "/data_base64");
    cases.put(ok.replace("\"data\":{}", "\"time\":\"2026-02-30T00:00:00Z\",\"data\":{}"), "/time");
    long before = KAFKA.endOffsetsSum(badTopic);

    for (Map.Entry<String, String> c : cases.entrySet()) {
      Reply r = http.post(gateway.eventsUri(), STRUCTURED, c.getKey());
      assertThat(r.status()).as(c.getKey() + " -> " + r).isEqualTo(422);
      assertThat(r.json().getString("code")).isEqualTo("SLC-1014");
      assertThat(r.json().getString("pointer")).as(r.toString()).isEqualTo(c.getValue());
    }
    Reply binary = http.post(gateway.eventsUri(), Http.JSON, "{}", "ce-specversion", "1.0", "ce-id", "1",
        "ce-source", "/s", "ce-type", "bad", "ce-time", "now");
    assertThat(binary.status()).isEqualTo(422);
    assertThat(binary.json().getString("code")).isEqualTo("SLC-1014");
    assertThat(binary.json().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("pointer")))
        .containsExactlyInAnyOrder("/ce-type", "/ce-time");
    assertThat(binary.text()).contains("header ce-type");

    assertThat(KAFKA.endOffsetsSum(badTopic)).isEqualTo(before);
  }

  @Test
  void aBatchWithOneBadEventGets207AndTheRestIsPublished() throws Exception {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      events.add(new String(JSON_FORMAT.serialize(event("native.batch.item")), StandardCharsets.UTF_8));
    }
    events.set(2, events.get(2).replace("\"specversion\":\"1.0\"", "\"specversion\":\"2.0\""));
    long before = KAFKA.endOffsetsSum(nativeTopic);

    Reply r = http.post(gateway.eventsUri(), BATCH, "[" + String.join(",", events) + "]");

    assertThat(r.status()).as(r.toString()).isEqualTo(207);
    JsonArray results = r.json().getJsonArray("results");
    assertThat(results.getJsonObject(2).getString("code")).isEqualTo("SLC-1014");
    assertThat(results.getJsonObject(2).getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/2/specversion");
    assertThat(r.json().getInteger("accepted")).isEqualTo(3);
    assertThat(KAFKA.consume(nativeTopic, before + 3, READ)).hasSize((int) before + 3);
  }

  @Test
  void eventsWithTheirOwnTraceContextsReachKafkaInRequestOrder() throws Exception {
    String tp1 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String tp2 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    List<String> ids = new ArrayList<>();
    List<String> events = new ArrayList<>();
    String[] tps = {tp1, tp2, tp1, null, tp2, tp2, tp1};
    for (String tp : tps) {
      CloudEventBuilder b = CloudEventBuilder.v1(event("native.ordered")).withId("o-" + UUID.randomUUID());
      CloudEvent ce = tp == null ? b.withoutExtension("traceparent").build() : b.withExtension("traceparent", tp).build();
      ids.add(ce.getId());
      events.add(new String(JSON_FORMAT.serialize(ce), StandardCharsets.UTF_8));
    }
    long before = KAFKA.endOffsetsSum(nativeTopic);

    Reply r = http.post(gateway.eventsUri(), BATCH, "[" + String.join(",", events) + "]");

    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.consume(nativeTopic, before + tps.length, READ);
    List<String> inKafka = new ArrayList<>();
    List<String> traces = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> rec : records.subList((int) before, records.size())) {
      inKafka.add(headers(rec).get("event-id"));
      traces.add(headers(rec).get("traceparent"));
    }
    assertThat(inKafka).as("one key, one partition: the request's order").isEqualTo(ids);
    assertThat(traces).containsExactly(tp1, tp2, tp1, null, tp2, tp2, tp1);
  }

  private static CloudEvent read(String topic, long offset) {
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.consume(topic, offset + 1, READ);
    assertThat(records).hasSizeGreaterThan((int) offset);
    ConsumerRecord<byte[], byte[]> r = records.get((int) offset);
    try (CloudEventDeserializer d = new CloudEventDeserializer()) {
      return d.deserialize(topic, r.headers(), r.value());
    }
  }

  private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
    }
    return out;
  }
}
