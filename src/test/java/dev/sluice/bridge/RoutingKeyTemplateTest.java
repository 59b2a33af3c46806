package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class RoutingKeyTemplateTest {

  private final RecordHeaders headers = new RecordHeaders();

  RoutingKeyTemplateTest() {
    headers.add("event-type", "order.created".getBytes(StandardCharsets.UTF_8));
    headers.add("tenant", "acme".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void fillsPlaceholdersFromHeaders() {
    assertThat(new RoutingKeyTemplate("{event-type}").render(headers)).isEqualTo("order.created");
    assertThat(new RoutingKeyTemplate("t.{tenant}.{event-type}.v1").render(headers)).isEqualTo("t.acme.order.created.v1");
  }

  @Test
  void keepsLiteralKeysAndRendersMissingHeadersEmpty() {
    assertThat(new RoutingKeyTemplate("fixed").render(headers)).isEqualTo("fixed");
    assertThat(new RoutingKeyTemplate("x.{nope}").render(headers)).isEqualTo("x.");
  }
}
