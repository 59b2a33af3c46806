package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class HeaderMappingTest {

  private static RecordHeaders kafkaHeaders() {
    RecordHeaders h = new RecordHeaders();
    h.add("event-id", utf8("e-1"));
    h.add("correlation-id", utf8("c-1"));
    h.add("event-type", utf8("order.created"));
    h.add("event-version", utf8("2"));
    h.add("content-type", utf8("application/json"));
    h.add("traceparent", utf8("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    return h;
  }

  @Test
  void mapsKafkaHeadersToAmqpProperties() {
    AMQP.BasicProperties p = HeaderMapping.toAmqp(kafkaHeaders(), utf8("order-42"), 1_700_000_000_123L, 1);
    assertThat(p.getMessageId()).isEqualTo("e-1");
    assertThat(p.getCorrelationId()).isEqualTo("c-1");
    assertThat(p.getType()).isEqualTo("order.created");
    assertThat(p.getContentType()).isEqualTo("application/json");
    assertThat(p.getDeliveryMode()).isEqualTo(2);
    assertThat(p.getTimestamp()).isEqualTo(new Date(1_700_000_000_123L));
    assertThat(p.getHeaders())
        .containsEntry("event-version", "2")
        .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .containsEntry(HeaderMapping.KAFKA_KEY, "order-42")
        .containsEntry(HeaderMapping.HOPS, 1)
        .doesNotContainKeys("event-id", "event-type");
  }

  @Test
  void mapsAmqpPropertiesBackToTheSameKafkaHeaders() {
    AMQP.BasicProperties p = HeaderMapping.toAmqp(kafkaHeaders(), null, 5000, 1);
    List<Header> back = HeaderMapping.toKafka(p, 2);
    RecordHeaders expected = kafkaHeaders();
    for (Header h : expected) {
      assertThat(find(back, h.key())).as(h.key()).isEqualTo(new String(h.value(), StandardCharsets.UTF_8));
    }
    assertThat(find(back, HeaderMapping.HOPS)).isEqualTo("2");
    assertThat(HeaderMapping.timestamp(p)).isEqualTo(5000L);
  }

  /** {@code event-id}, {@code correlation-id}, {@code event-type}, {@code content-type} with {@code value}. */
  private static RecordHeaders mapped(String value) {
    RecordHeaders h = new RecordHeaders();
    h.add("event-id", utf8(value));
    h.add("correlation-id", utf8(value));
    h.add("event-type", utf8(value));
    h.add("content-type", utf8(value));
    return h;
  }

  @Test
  void aValueTooLongForItsAmqpPropertyTravelsAsAHeaderOfItsKafkaName() {
    String wide = "é".repeat(128); // 256 bytes in UTF-8
    AMQP.BasicProperties p = HeaderMapping.toAmqp(mapped(wide), null, 0, 1);
    assertThat(p.getMessageId()).isNull();
    assertThat(p.getCorrelationId()).isNull();
    assertThat(p.getType()).isNull();
    assertThat(p.getContentType()).isNull();
    assertThat(p.getHeaders())
        .containsEntry("event-id", wide)
        .containsEntry("correlation-id", wide)
        .containsEntry("event-type", wide)
        .containsEntry("content-type", wide);
    assertThat(dev.sluice.rabbit.AmqpEncoding.problem("x", "k", p, 131_072)).isNull();

    String fits = "c".repeat(255);
    AMQP.BasicProperties q = HeaderMapping.toAmqp(mapped(fits), null, 0, 1);
    assertThat(q.getCorrelationId()).isEqualTo(fits);
    assertThat(q.getHeaders()).doesNotContainKeys("event-id", "correlation-id", "event-type", "content-type");
  }

  @Test
  void aLongValueComesBackToKafkaUnchanged() {
    String value = "c".repeat(1024);
    List<Header> back = HeaderMapping.toKafka(HeaderMapping.toAmqp(mapped(value), null, 0, 1), 2);
    for (String name : List.of("event-id", "correlation-id", "event-type", "content-type")) {
      assertThat(back.stream().filter(h -> h.key().equals(name)).toList()).as(name).hasSize(1);
      assertThat(find(back, name)).as(name).isEqualTo(value);
    }
  }

  @Test
  void readsHopsFromBothSides() {
    RecordHeaders h = new RecordHeaders();
    assertThat(HeaderMapping.hops(h)).isZero();
    h.add(new RecordHeader(HeaderMapping.HOPS, utf8("1")));
    assertThat(HeaderMapping.hops(h)).isEqualTo(1);
    AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().headers(Map.of(HeaderMapping.HOPS, 3)).build();
    assertThat(HeaderMapping.hops(p)).isEqualTo(3);
    assertThat(HeaderMapping.hops(new AMQP.BasicProperties())).isZero();
  }

  private static String find(List<Header> headers, String name) {
    return headers.stream().filter(x -> x.key().equals(name)).map(x -> new String(x.value(), StandardCharsets.UTF_8))
        .reduce((a, b) -> b).orElse(null);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
