package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.config.RecordFormat;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.Rule;
import dev.sluice.schema.CloudEventReader;
import dev.sluice.schema.PayloadCheck;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The {@code tenant} header: the gateway's, exactly once, whatever the client put in its event. */
class RecordHeadersTest {

  private static final byte[] VALUE = "{\"eventId\":\"e-1\",\"tenant\":\"forged\"}".getBytes(StandardCharsets.UTF_8);

  private static List<String> tenants(Iterable<Header> headers) {
    return StreamSupport.stream(headers.spliterator(), false)
        .filter(h -> h.key().equals(RecordHeaders.TENANT))
        .map(h -> new String(h.value(), StandardCharsets.UTF_8))
        .toList();
  }

  @Test
  void stampsTheEventsTenantOnce() {
    Event e = new Event(0, "e-1", "order.created", "1", null, "c-1", VALUE).withTenant("team-a");

    assertThat(tenants(new RecordHeaders(null).of(e))).containsExactly("team-a");
    assertThat(tenants(new RecordHeaders("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .of(e, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02"))).containsExactly("team-a");
  }

  @Test
  void stampsNoTenantForAnEventOfNone() {
    Event e = new Event(0, "e-1", "order.created", "1", null, "c-1", VALUE);

    assertThat(tenants(new RecordHeaders(null).of(e))).isEmpty();
  }

  @Test
  void aCloudEventsTenantExtensionDoesNotBecomeTheTenantHeader() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("ce-specversion", "1.0");
    headers.put("ce-id", "e-1");
    headers.put("ce-source", "/shop");
    headers.put("ce-type", "order.created");
    headers.put("ce-tenant", "forged");
    byte[] data = "{}".getBytes(StandardCharsets.UTF_8);
    Event read = new CloudEventReader(10, PayloadCheck.NONE)
        .readBinary(headers.entrySet(), "application/json", data, data.length, "c-1", "2026-11-29T12:00:00Z")
        .events().get(0);
    RecordForms forms = new RecordForms(new RoutingConfig(List.of(
        new Rule("order.#", "orders", null, RecordFormat.CLOUDEVENTS_BINARY))));

    ProducerRecord<byte[], byte[]> record = forms.record("orders", read.withTenant("team-a"),
        new RecordHeaders(null), null, null);

    assertThat(tenants(record.headers())).containsExactly("team-a");
  }
}
