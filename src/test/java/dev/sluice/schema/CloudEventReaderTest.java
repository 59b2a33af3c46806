package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CloudEvents into native envelopes: the mapping, the three modes, and the violations with their pointers. */
class CloudEventReaderTest {

  private static final String RECEIVED = "2026-11-29T12:00:00.123Z";
  private static final String DATA = "{ \"orderId\" : 42,\"note\":\"caf\u00e9 \u20ac\" }";
  private static final EventFormat JSON_FORMAT =
      EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);

  private final CloudEventReader reader = new CloudEventReader(100, PayloadCheck.NONE);

  static CloudEvent sample() {
    return CloudEventBuilder.v1()
        .withId("order-42/1")
        .withSource(URI.create("https://shop.example/orders"))
        .withType("order.created")
        .withTime(OffsetDateTime.parse("2026-11-29T11:59:58.5+01:00"))
        .withSubject("orders/42")
        .withDataSchema(URI.create("https://schemas.example/order.created/2.json"))
        .withExtension("partitionkey", "order-42")
        .withExtension("eventversion", "2")
        .withExtension("correlationid", "corr-7")
        .withExtension("causationid", "cause-3")
        .withExtension("tenant", "acme")
        .withData("application/json", DATA.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  @Test
  void extensionsAreBoundedInNumberAndSoAreTheViolationsListed() {
    StringBuilder ce = new StringBuilder("{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/s\","
        + "\"type\":\"a.b\",\"data\":{}");
    StringBuilder ext = new StringBuilder("{\"eventId\":\"6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11\",\"eventType\":\"a.b\","
        + "\"eventVersion\":1,\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"s\",\"data\":{},\"extensions\":{");
    for (int i = 0; i < 40_000; i++) {
      ce.append(",\"e").append(i).append("\":1");
      ext.append(i == 0 ? "" : ",").append("\"e").append(i).append("\":1");
    }
    byte[] body = ce.append('}').toString().getBytes(StandardCharsets.UTF_8);
    ReadResult r = reader.readStructured(body, body.length, "c", RECEIVED);
    assertThat(r.events()).isEmpty();
    assertThat(r.rejections().get(0).violations()).hasSizeLessThanOrEqualTo(Rejection.MAX_VIOLATIONS)
        .anySatisfy(v -> assertThat(v.message()).contains("more than " + Extensions.MAX_EXTENSIONS));

    ReadResult n = nativeReader(ext.append("}}").toString().getBytes(StandardCharsets.UTF_8));
    assertThat(n.events()).isEmpty();
    assertThat(n.rejections().get(0).violations()).hasSizeLessThanOrEqualTo(Rejection.MAX_VIOLATIONS)
        .anySatisfy(v -> assertThat(v.message()).contains("more than " + Extensions.MAX_EXTENSIONS));

    // unknown members are each a violation: the list is cut, with the count of the rest
    StringBuilder unknown = new StringBuilder("{\"eventId\":\"6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11\"");
    for (int i = 0; i < 1_000; i++) {
      unknown.append(",\"u").append(i).append("\":1");
    }
    ReadResult u = nativeReader(unknown.append('}').toString().getBytes(StandardCharsets.UTF_8));
    assertThat(u.rejections().get(0).violations()).hasSize(Rejection.MAX_VIOLATIONS)
        .last().satisfies(v -> assertThat(v.message()).contains("more violations not listed"));
  }

  @Test
  void mapsAStructuredCloudEventToANativeEnvelopeKeepingTheDataBytes() {
    byte[] body = JSON_FORMAT.serialize(sample());

    ReadResult r = reader.readStructured(body, body.length, "request-corr", RECEIVED);

    assertThat(r.rejections()).isEmpty();
    assertThat(r.single()).isTrue();
    Event e = r.events().get(0);
    assertThat(e.eventId()).isEqualTo("order-42/1");
    assertThat(e.eventType()).isEqualTo("order.created");
    assertThat(e.eventVersion()).isEqualTo("2");
    assertThat(e.key()).isEqualTo("order-42");
    assertThat(e.correlationId()).isEqualTo("corr-7");
    JsonObject env = new JsonObject(new String(e.value(), StandardCharsets.UTF_8));
    assertThat(env.getString("occurredAt")).isEqualTo("2026-11-29T11:59:58.5+01:00");
    assertThat(env.getString("source")).isEqualTo("https://shop.example/orders");
    assertThat(env.getString("subject")).isEqualTo("orders/42");
    assertThat(env.getString("dataSchema")).isEqualTo("https://schemas.example/order.created/2.json");
    assertThat(env.getString("causationId")).isEqualTo("cause-3");
    assertThat(env.getString("aggregateId")).isEqualTo("order-42");
    assertThat(env.getJsonObject("extensions").getMap()).isEqualTo(Map.of("tenant", "acme"));
    assertThat(env.getJsonObject("data")).isEqualTo(new JsonObject(DATA));
  }

  @Test
  void theEnvelopeOfACloudEventWithAUuidIdIsValidNativeInputWithItsNewMembers() {
    CloudEvent ce = CloudEventBuilder.v1(sample()).withId("6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11").build();
    byte[] body = JSON_FORMAT.serialize(ce);

    byte[] value = reader.readStructured(body, body.length, "c", RECEIVED).events().get(0).value();

    ReadResult again = nativeReader(value);
    assertThat(again.rejections()).isEmpty();
    assertThat(again.events().get(0).value()).isEqualTo(value);
  }

  @Test
  void nativeInputChecksSubjectDataSchemaAndExtensions() {
    String id = "6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11";
    String head = "{\"eventId\":\"" + id + "\",\"eventType\":\"a.b\",\"eventVersion\":1,"
        + "\"occurredAt\":\"2026-11-29T12:00:00Z\",\"source\":\"s\",\"data\":{}";

    assertThat(nativeReader(bytes(head + ",\"subject\":\"x\",\"dataSchema\":\"urn:s:1\","
        + "\"extensions\":{\"tenant\":\"acme\",\"n\":1,\"b\":true}}")).rejections()).isEmpty();
    assertThat(nativeReader(bytes(head + ",\"dataSchema\":\"relative/x\"}")).rejections().get(0).violations())
        .extracting(Violation::pointer).containsExactly("/dataSchema");
    assertThat(nativeReader(bytes(head + ",\"extensions\":{\"Tenant\":\"a\",\"ok\":{},\"id\":\"x\"}}"))
        .rejections().get(0).violations())
        .extracting(Violation::pointer).containsExactly("/extensions/Tenant", "/extensions/ok", "/extensions/id");
  }

  @Test
  void keepsDataBytesVerbatimAndGivesTheReceiveTimeAndDefaultsWhenAbsent() {
    String body = "{\"specversion\":\"1.0\",\"id\":\"x1\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":" + DATA + "}";

    ReadResult r = read(body);

    Event e = r.events().get(0);
    String value = new String(e.value(), StandardCharsets.UTF_8);
    assertThat(value).endsWith(",\"data\":" + DATA + "}");
    assertThat(value).isEqualTo("{\"eventId\":\"x1\",\"eventType\":\"a.b\",\"eventVersion\":\"1\",\"occurredAt\":\""
        + RECEIVED + "\",\"source\":\"/s\",\"data\":" + DATA + "}");
    assertThat(e.correlationId()).isEqualTo("request-corr");
    assertThat(e.key()).isEqualTo("x1");
    assertThat(r.traceparents()).isNull();
  }

  @Test
  void binaryModeGivesTheSameEnvelopeAsStructuredModeWithPercentDecodedHeaders() {
    byte[] structured = JSON_FORMAT.serialize(sample());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("ce-specversion", "1.0");
    headers.put("ce-id", "order-42/1");
    headers.put("ce-source", "https://shop.example/orders");
    headers.put("ce-type", "order.created");
    headers.put("ce-time", "2026-11-29T11:59:58.5+01:00");
    headers.put("ce-subject", "orders%2F42"); // percent-encoded as any value may be
    headers.put("ce-dataschema", "https://schemas.example/order.created/2.json");
    headers.put("CE-PartitionKey", "order-42");
    headers.put("ce-eventversion", "2");
    headers.put("ce-correlationid", "corr-7");
    headers.put("ce-causationid", "cause-3");
    headers.put("ce-tenant", "acme");
    headers.put("content-type", "application/json");
    byte[] data = JsonObject.mapFrom(new JsonObject(DATA).getMap()).encode().getBytes(StandardCharsets.UTF_8);

    ReadResult binary = reader.readBinary(headers.entrySet(), "application/json", data, data.length, "c", RECEIVED);
    ReadResult fromStructured = reader.readStructured(structured, structured.length, "c", RECEIVED);

    assertThat(binary.rejections()).isEmpty();
    JsonObject a = new JsonObject(new String(binary.events().get(0).value(), StandardCharsets.UTF_8));
    JsonObject b = new JsonObject(new String(fromStructured.events().get(0).value(), StandardCharsets.UTF_8));
    assertThat(a).isEqualTo(b);
  }

  @Test
  void percentDecodesUtf8AndRefusesMalformedEscapes() {
    assertThat(CloudEventReader.percentDecoded("caf%C3%A9%20%E2%82%AC")).isEqualTo("caf\u00e9 \u20ac");
    assertThat(CloudEventReader.percentDecoded("100%")).isNull();
    assertThat(CloudEventReader.percentDecoded("%C3")).isNull();
    // raw UTF-8 bytes, as the HTTP stack hands them over (one char per byte): decoded the same way
    String raw = new String("caf\u00e9".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    assertThat(CloudEventReader.percentDecoded(raw)).isEqualTo("caf\u00e9");
    assertThat(CloudEventReader.percentDecoded(raw + " %20")).isEqualTo("caf\u00e9  ");
    assertThat(CloudEventReader.percentDecoded("caf\u00e9")).as("a lone Latin-1 byte is not UTF-8").isNull();
    assertThat(CloudEventReader.percentDecoded("plain+text")).isEqualTo("plain+text");
  }

  @Test
  void refusesEveryViolationWithItsPointer() {
    assertViolation("{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":{}}",
        "/specversion", "must be \"1.0\"");
    assertViolation("{\"specversion\":\"1.0\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":{}}", "/id", "is required");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"a.b\",\"data\":{}}", "/source", "is required");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"data\":{}}", "/type", "is required");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"created\",\"data\":{}}",
        "/type", "dot notation");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"time\":\"yesterday\","
        + "\"data\":{}}", "/time", "RFC 3339");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"data_base64\":\"AAEC\"}",
        "/data_base64", "binary data is not accepted");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\","
        + "\"datacontenttype\":\"text/plain\",\"data\":{}}", "/datacontenttype", "application/json");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"" + "x".repeat(65) + "\",\"source\":\"/s\",\"type\":\"a.b\","
        + "\"data\":{}}", "/id", "at most 64");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"caf\u00e9\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":{}}",
        "/id", "printable ASCII");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":[1]}",
        "/data", "must be a JSON object");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"Bad_Ext\":1,"
        + "\"data\":{}}", "/Bad_Ext", "lower-case");
    assertViolation("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"eventversion\":\"v2\","
        + "\"data\":{}}", "/eventversion", "positive integer");
  }

  @Test
  void aBatchRejectsItsBadEventsByIndexAndKeepsTheRest() {
    String good = "{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":{}}";
    String body = "[" + good.formatted("0") + "," + good.formatted("1") + "," + good.formatted("2")
        + ",{\"specversion\":\"1.0\",\"id\":\"3\",\"source\":\"/s\",\"type\":\"nodots\",\"data\":{}}]";

    ReadResult r = reader.readBatch(bytes(body), bytes(body).length, "c", RECEIVED);

    assertThat(r.single()).isFalse();
    assertThat(r.total()).isEqualTo(4);
    assertThat(r.events()).extracting(Event::eventId).containsExactly("0", "1", "2");
    assertThat(r.rejections()).singleElement().satisfies(rej -> {
      assertThat(rej.index()).isEqualTo(3);
      assertThat(rej.failure()).isEqualTo(Failure.INVALID_CLOUDEVENT);
      assertThat(rej.violations().get(0).pointer()).isEqualTo("/3/type");
    });
  }

  @Test
  void binaryModeNamesTheHeaderOfAViolation() {
    Map<String, String> headers = new LinkedHashMap<>(Map.of("ce-specversion", "1.0", "ce-id", "1",
        "ce-source", "/s", "ce-type", "nodots", "ce-time", "2026-13-01T00:00:00Z"));
    byte[] data = bytes("{}");

    ReadResult r = reader.readBinary(headers.entrySet(), "text/plain", data, data.length, "c", RECEIVED);

    List<Violation> violations = r.rejections().get(0).violations();
    assertThat(violations).extracting(Violation::pointer)
        .containsExactlyInAnyOrder("/ce-type", "/ce-time", "/content-type");
    assertThat(violations).filteredOn(v -> v.pointer().equals("/ce-type"))
        .singleElement().satisfies(v -> assertThat(v.message()).startsWith("header ce-type must be dot notation"));
    assertThat(r.rejections().get(0).failure()).isEqualTo(Failure.INVALID_CLOUDEVENT);
  }

  @Test
  void binaryModeWithAContentTypeThatIsNotJsonIsRefusedNamingItWithoutReadingTheBody() {
    Map<String, String> headers = Map.of("ce-specversion", "1.0", "ce-id", "1", "ce-source", "/s", "ce-type", "a.b");
    byte[] text = bytes("hello");

    ReadResult r = reader.readBinary(headers.entrySet(), "text/plain", text, text.length, "c", RECEIVED);

    assertThat(r.failure()).isNull();
    assertThat(r.rejections().get(0).failure()).isEqualTo(Failure.INVALID_CLOUDEVENT);
    assertThat(r.rejections().get(0).violations()).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/content-type");
      assertThat(v.message()).startsWith("header content-type must be application/json");
    });
  }

  @Test
  void binaryModeRefusesABodyThatIsNotAJsonObject() {
    Map<String, String> headers = Map.of("ce-specversion", "1.0", "ce-id", "1", "ce-source", "/s", "ce-type", "a.b");
    byte[] empty = new byte[0];
    byte[] array = bytes("[1,2]");

    assertThat(reader.readBinary(headers.entrySet(), null, empty, 0, "c", RECEIVED).rejections().get(0).violations())
        .extracting(Violation::pointer).containsExactly("/data");
    assertThat(reader.readBinary(headers.entrySet(), null, array, array.length, "c", RECEIVED).rejections().get(0)
        .message()).contains("must be a JSON object, got an array");
  }

  @Test
  void keepsEachEventsTraceparent() {
    String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String body = "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"traceparent\":\"" + tp
        + "\",\"data\":{}},{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":{}}]";

    ReadResult r = reader.readBatch(bytes(body), bytes(body).length, "c", RECEIVED);

    assertThat(r.traceparents()).containsExactly(tp, null);
  }

  @Test
  void checksThePayloadOnTheDataBytesOfTheEnvelopeItPublishes() {
    List<String> seen = new ArrayList<>();
    PayloadCheck check = (type, version, json, from, to, pointer) -> {
      seen.add(type + " " + version + " " + pointer + " " + new String(json, from, to - from, StandardCharsets.UTF_8));
      return new PayloadProblem(Failure.INVALID_PAYLOAD, List.of(new Violation(pointer + "/data/orderId", "no")));
    };
    String body = "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",\"data\":" + DATA + "}]";

    ReadResult r = new CloudEventReader(10, check).readBatch(bytes(body), bytes(body).length, "c", RECEIVED);

    assertThat(seen).containsExactly("a.b 1 /0 " + DATA);
    assertThat(r.events()).isEmpty();
    assertThat(r.rejections().get(0).failure()).isEqualTo(Failure.INVALID_PAYLOAD);
    assertThat(r.rejections().get(0).violations().get(0).pointer()).isEqualTo("/0/data/orderId");
  }

  @Test
  void aDuplicateDataMemberIsRefusedAsADuplicateAttributeIs() {
    String head = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b\",";

    assertViolation(head + "\"data\":{\"a\":1},\"data\":{\"a\":2}}", "/data", "appears more than once");
    assertViolation(head + "\"data\":null,\"data\":{\"a\":2}}", "/data", "appears more than once");
    assertViolation(head + "\"data\":{\"a\":1},\"data\":[1]}", "/data", "appears more than once");
    assertThat(read(head + "\"data\":{\"a\":1}}").events()).hasSize(1);
  }

  private void assertViolation(String body, String pointer, String message) {
    ReadResult r = read(body);
    assertThat(r.events()).as(body).isEmpty();
    assertThat(r.rejections()).as(body).singleElement().satisfies(rej -> {
      assertThat(rej.failure()).isEqualTo(Failure.INVALID_CLOUDEVENT);
      assertThat(rej.violations()).extracting(Violation::pointer).contains(pointer);
      assertThat(rej.violations()).filteredOn(v -> v.pointer().equals(pointer))
          .first().satisfies(v -> assertThat(v.message()).contains(message));
    });
  }

  private ReadResult read(String body) {
    byte[] b = bytes(body);
    return reader.readStructured(b, b.length, "request-corr", RECEIVED);
  }

  private static ReadResult nativeReader(byte[] value) {
    return new EnvelopeReader(10).readJson(value, value.length, "c");
  }

  /** Found by CloudEventReaderPropertiesTest: the depth limit's exception has no location (was an NPE, a 500). */
  @Test
  void refusesNestingDeeperThanTheLimitAsMalformedJson() {
    CloudEventReader reader = new CloudEventReader(10, PayloadCheck.NONE);
    String deep = "{\"a\":".repeat(200) + "1" + "}".repeat(200);
    byte[] one = bytes(deep);
    byte[] batch = bytes("[" + deep + "]");

    for (ReadResult r : List.of(reader.readStructured(one, one.length, "c", RECEIVED),
        reader.readBatch(batch, batch.length, "c", RECEIVED))) {
      assertThat(r.failure()).isEqualTo(Failure.MALFORMED_JSON);
      assertThat(r.message()).contains("nesting depth");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
