package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.config.RecordFormat;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.Rule;
import dev.sluice.schema.CloudEventReader;
import dev.sluice.schema.PayloadCheck;
import dev.sluice.schema.ReadResult;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Native envelopes in the CloudEvents Kafka binding's forms, read back with the CloudEvents SDK's Kafka
 * deserializer (an independent implementation).
 */
class CloudEventRecordsTest {

  private static final String DATA = "{ \"orderId\" : 42,\"note\":\"caf\u00e9 \u20ac\" }";
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private static CloudEvent sent() {
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
        .withExtension("traceparent", TRACEPARENT)
        .withData("application/json", DATA.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /** The event a binary-mode HTTP request of {@link #sent()} becomes, with its trace context. */
  private static ReadResult ingested() {
    CloudEvent ce = sent();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("ce-specversion", "1.0");
    for (String name : ce.getAttributeNames()) {
      if (!name.equals("specversion") && !name.equals("datacontenttype") && ce.getAttribute(name) != null) {
        headers.put("ce-" + name, ce.getAttribute(name).toString());
      }
    }
    ce.getExtensionNames().forEach(n -> headers.put("ce-" + n, ce.getExtension(n).toString()));
    byte[] data = ce.getData().toBytes();
    return new CloudEventReader(10, PayloadCheck.NONE)
        .readBinary(headers.entrySet(), "application/json", data, data.length, "request-corr", "2026-11-29T12:00:00Z");
  }

  @Test
  void binaryModeReadsBackWithTheSdkEqualToTheCloudEventSent() {
    ReadResult read = ingested();
    Event e = read.events().get(0);
    var headers = new java.util.ArrayList<org.apache.kafka.common.header.Header>();

    byte[] value = CloudEventRecords.binary(e, read.traceparents()[0], headers);

    CloudEvent back = deserialize(headers, value);
    assertThat(back).isEqualTo(sent());
    assertThat(new String(value, StandardCharsets.UTF_8)).isEqualTo(DATA);
  }

  @Test
  void structuredModeReadsBackWithTheSdkWithTheSameAttributesAndData() {
    ReadResult read = ingested();
    var headers = new java.util.ArrayList<org.apache.kafka.common.header.Header>();

    byte[] value = CloudEventRecords.structured(read.events().get(0), read.traceparents()[0], headers);

    CloudEvent back = deserialize(headers, value);
    CloudEvent expected = sent();
    for (String name : expected.getAttributeNames()) {
      assertThat(String.valueOf(back.getAttribute(name))).as(name).isEqualTo(String.valueOf(expected.getAttribute(name)));
    }
    assertThat(back.getExtensionNames()).containsExactlyInAnyOrderElementsOf(expected.getExtensionNames());
    expected.getExtensionNames().forEach(n -> assertThat(back.getExtension(n)).as(n).isEqualTo(expected.getExtension(n)));
    assertThat(new JsonObject(new String(back.getData().toBytes(), StandardCharsets.UTF_8))).isEqualTo(new JsonObject(DATA));
    assertThat(new String(value, StandardCharsets.UTF_8)).endsWith(",\"data\":" + DATA + "}");
  }

  @Test
  void mapsANativeEnvelopeTheSameWay() {
    String id = "6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11";
    String env = "{\"eventId\":\"" + id + "\",\"eventType\":\"order.paid\",\"eventVersion\":3,"
        + "\"occurredAt\":\"2026-11-29T12:00:00Z\",\"source\":\"billing\",\"aggregateId\":\"order-9\","
        + "\"extensions\":{\"tenant\":\"acme\",\"attempt\":2,\"test\":true},\"data\":{\"amount\":10}}";
    Event e = new Event(0, id, "order.paid", "3", "order-9", "request-corr", env.getBytes(StandardCharsets.UTF_8));
    var binaryHeaders = new java.util.ArrayList<org.apache.kafka.common.header.Header>();
    var structuredHeaders = new java.util.ArrayList<org.apache.kafka.common.header.Header>();

    CloudEvent binary = deserialize(binaryHeaders, CloudEventRecords.binary(e, null, binaryHeaders));
    CloudEvent structured = deserialize(structuredHeaders, CloudEventRecords.structured(e, null, structuredHeaders));

    CloudEvent expected = CloudEventBuilder.v1()
        .withId(id).withType("order.paid").withSource(URI.create("billing"))
        .withTime(OffsetDateTime.parse("2026-11-29T12:00:00Z"))
        .withExtension("partitionkey", "order-9").withExtension("eventversion", "3")
        .withExtension("correlationid", "request-corr")
        .withExtension("tenant", "acme").withExtension("attempt", "2").withExtension("test", "true")
        .withData("application/json", "{\"amount\":10}".getBytes(StandardCharsets.UTF_8))
        .build();
    assertThat(binary).isEqualTo(expected);
    assertThat(structured.getExtension("attempt")).isEqualTo(2); // JSON keeps the number
    assertThat(structured.getExtension("test")).isEqualTo(true);
    assertThat(structured.getExtension("correlationid")).isEqualTo("request-corr");
    assertThat(structured.getTime()).isEqualTo(expected.getTime());
  }

  @Test
  void recordFormsFollowTheFirstMatchingRouteAndKeepSluiceHeaders() {
    RecordForms forms = new RecordForms(new RoutingConfig(List.of(
        new Rule("order.paid", "paid", null, RecordFormat.CLOUDEVENTS_STRUCTURED),
        new Rule("order.#", "orders", null, RecordFormat.CLOUDEVENTS_BINARY),
        new Rule("#", "events"))));
    String id = "6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11";
    String env = "{\"eventId\":\"" + id + "\",\"eventType\":\"order.created\",\"eventVersion\":1,"
        + "\"occurredAt\":\"2026-11-29T12:00:00Z\",\"source\":\"s\",\"data\":{}}";
    Event e = new Event(0, id, "order.created", "1", null, "c", env.getBytes(StandardCharsets.UTF_8));

    ProducerRecord<byte[], byte[]> r =
        forms.record("orders", e, new dev.sluice.kafka.RecordHeaders(null), null, TRACEPARENT);

    assertThat(forms.formatOf("order.paid")).isEqualTo(RecordFormat.CLOUDEVENTS_STRUCTURED);
    assertThat(forms.formatOf("order.created")).isEqualTo(RecordFormat.CLOUDEVENTS_BINARY);
    assertThat(forms.formatOf("user.created")).isEqualTo(RecordFormat.NATIVE);
    assertThat(r.value()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(r.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8)).isEqualTo(id);
    assertThat(new String(r.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8)).isEqualTo(id);
    assertThat(new String(r.headers().lastHeader("ce_traceparent").value(), StandardCharsets.UTF_8))
        .isEqualTo(TRACEPARENT);
    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(id);
  }

  private static CloudEvent deserialize(List<org.apache.kafka.common.header.Header> headers, byte[] value) {
    try (CloudEventDeserializer d = new CloudEventDeserializer()) {
      return d.deserialize("t", new RecordHeaders(headers.toArray(new org.apache.kafka.common.header.Header[0])), value);
    }
  }
}
