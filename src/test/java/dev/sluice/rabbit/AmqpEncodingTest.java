package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link AmqpEncoding} lets through: exactly what the RabbitMQ client can encode. */
class AmqpEncodingTest {

  private static final String B255 = "k".repeat(255);
  private static final String B256 = "k".repeat(256);
  /** 128 characters, 256 bytes in UTF-8. */
  private static final String WIDE = "é".repeat(128);

  private static AMQP.BasicProperties.Builder props() {
    return new AMQP.BasicProperties.Builder().deliveryMode(2).messageId("m-1")
        .headers(Map.of("traceparent", "00-1-2-01", "sluice-hops", 1));
  }

  @Test
  void letsAnOrdinaryPublishThrough() {
    assertThat(AmqpEncoding.problem("events", "orders.created", props().build(), 131_072)).isNull();
    assertThat(AmqpEncoding.problem("", B255, props().correlationId(B255).build(), 131_072)).isNull();
  }

  @Test
  void refusesARoutingKeyOrExchangeOver255BytesInUtf8() {
    assertThat(AmqpEncoding.problem("events", B256, props().build(), 0)).startsWith("routing key is 256 bytes");
    assertThat(AmqpEncoding.problem("events", WIDE, props().build(), 0)).startsWith("routing key is 256 bytes");
    assertThat(AmqpEncoding.problem(B256, "k", props().build(), 0)).startsWith("exchange is 256 bytes");
  }

  @Test
  void refusesEveryShortStringPropertyOver255Bytes() {
    assertThat(AmqpEncoding.problem("x", "k", props().correlationId(B256).build(), 0)).startsWith("correlation-id");
    assertThat(AmqpEncoding.problem("x", "k", props().messageId(WIDE).build(), 0)).startsWith("message-id");
    assertThat(AmqpEncoding.problem("x", "k", props().type(B256).build(), 0)).startsWith("type");
    assertThat(AmqpEncoding.problem("x", "k", props().contentType(B256).build(), 0)).startsWith("content-type");
    assertThat(AmqpEncoding.problem("x", "k", props().contentEncoding(B256).build(), 0)).startsWith("content-encoding");
    assertThat(AmqpEncoding.problem("x", "k", props().replyTo(B256).build(), 0)).startsWith("reply-to");
    assertThat(AmqpEncoding.problem("x", "k", props().expiration(B256).build(), 0)).startsWith("expiration");
    assertThat(AmqpEncoding.problem("x", "k", props().userId(B256).build(), 0)).startsWith("user-id");
    assertThat(AmqpEncoding.problem("x", "k", props().appId(B256).build(), 0)).startsWith("app-id");
    assertThat(AmqpEncoding.problem("x", "k", props().clusterId(B256).build(), 0)).startsWith("cluster-id");
  }

  @Test
  void refusesALongHeaderNameButNotALongHeaderValue() {
    assertThat(AmqpEncoding.problem("x", "k", props().headers(Map.of(B256, "v")).build(), 0))
        .startsWith("header name is 256 bytes");
    assertThat(AmqpEncoding.problem("x", "k", props().headers(Map.of("h", "v".repeat(10_000))).build(), 0))
        .isNull();
  }

  @Test
  void refusesWhatTheClientsEncoderRefuses() {
    assertThat(AmqpEncoding.problem("x", "k", props().headers(Map.of("h", new Object())).build(), 0))
        .startsWith("the properties cannot be encoded: invalid value in table");
  }

  @Test
  void refusesPropertiesThatDoNotFitAFrame() {
    AMQP.BasicProperties big = props().headers(Map.of("h", "v".repeat(5000))).build();
    assertThat(AmqpEncoding.problem("x", "k", big, 4096)).contains("more than a frame holds (frame-max 4096)");
    assertThat(AmqpEncoding.problem("x", "k", big, 131_072)).isNull();
  }

  @Test
  void tellsWhatFitsAShortString() {
    assertThat(AmqpEncoding.fitsShortString(null)).isTrue();
    assertThat(AmqpEncoding.fitsShortString(B255)).isTrue();
    assertThat(AmqpEncoding.fitsShortString("é".repeat(127))).isTrue();
    assertThat(AmqpEncoding.fitsShortString(WIDE)).isFalse();
    assertThat(AmqpEncoding.fitsShortString(B256)).isFalse();
  }
}
