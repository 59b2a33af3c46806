package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.sluice.deadletter.DeadLetter;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The properties of a RabbitMQ → Kafka route's dead letter. */
class DeadLetterPropertiesTest {

  private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");

  private static DeadLetter letter() {
    return new DeadLetter("in", "m-1", "t", DeadLetter.Origin.rabbitmq("q"), 1, NOW, NOW, DeadLetter.CLASS_REFUSED,
        null, "RecordTooLargeException: too large", null);
  }

  @Test
  void keepsTheMessagesPropertiesAndReplacesTheDeadLetterHeaders() {
    Map<String, Object> headers = new LinkedHashMap<>();
    headers.put("kafka-key", "k");
    headers.put("sluice-dlq-subscription", "old");
    headers.put("sluice-dlq-status", "500");
    AMQP.BasicProperties original = new AMQP.BasicProperties.Builder().messageId("m-1").correlationId("c")
        .type("t").contentType("application/json").contentEncoding("gzip").priority(3).replyTo("r")
        .timestamp(new Date(1_000_000)).appId("app").headers(headers).deliveryMode(2).build();
    AMQP.BasicProperties p = DeadLetterExchange.properties(original, letter());
    assertThat(p.getMessageId()).isEqualTo("m-1");
    assertThat(p.getCorrelationId()).isEqualTo("c");
    assertThat(p.getType()).isEqualTo("t");
    assertThat(p.getContentType()).isEqualTo("application/json");
    assertThat(p.getContentEncoding()).isEqualTo("gzip");
    assertThat(p.getPriority()).isEqualTo(3);
    assertThat(p.getReplyTo()).isEqualTo("r");
    assertThat(p.getTimestamp()).isEqualTo(new Date(1_000_000));
    assertThat(p.getAppId()).isEqualTo("app");
    assertThat(p.getHeaders()).containsEntry("kafka-key", "k")
        .containsEntry("sluice-dlq-subscription", "in")
        .containsEntry("sluice-dlq-queue", "q")
        .containsEntry("sluice-dlq-failure-class", "refused")
        .doesNotContainKey("sluice-dlq-status");
  }

  @Test
  void aDeadLetterIsPersistentDoesNotExpireAndClaimsNoUser() {
    AMQP.BasicProperties original = new AMQP.BasicProperties.Builder().deliveryMode(1).expiration("60000")
        .userId("someone-else").build();
    AMQP.BasicProperties p = DeadLetterExchange.properties(original, letter());
    assertThat(p.getDeliveryMode()).isEqualTo(2);
    assertThat(p.getExpiration()).isNull();
    assertThat(p.getUserId()).isNull();
    assertThat(p.getHeaders()).containsEntry("sluice-dlq-source", "rabbitmq");
  }
}
