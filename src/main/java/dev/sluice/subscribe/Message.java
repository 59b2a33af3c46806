package dev.sluice.subscribe;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A message a subscription delivers: read from a source, or a dead letter replayed. Its event id and
 * type come from the {@code event-id} and {@code event-type} headers Sluice writes (a message without an
 * {@code event-id} is named by its origin, {@code <topic>/<partition>@<offset>}).
 *
 * @param handle what the source needs to finish it (a Kafka item, a RabbitMQ delivery), null for a replay
 */
public record Message(
    String eventId,
    String eventType,
    String eventVersion,
    String correlationId,
    String traceparent,
    byte[] key,
    byte[] value,
    List<StoredDeadLetter.Header> headers,
    DeadLetter.Origin origin,
    Object handle) {

  static Message of(ConsumerRecord<byte[], byte[]> r, Object handle) {
    List<StoredDeadLetter.Header> headers = new ArrayList<>();
    for (Header h : r.headers()) {
      headers.add(new StoredDeadLetter.Header(h.key(), h.value() == null ? new byte[0] : h.value()));
    }
    String id = header(r, "event-id");
    return new Message(
        id != null ? id : r.topic() + "/" + r.partition() + "@" + r.offset(),
        header(r, "event-type"),
        header(r, "event-version"),
        header(r, "correlation-id"),
        header(r, "traceparent"),
        r.key(),
        r.value() == null ? new byte[0] : r.value(),
        headers,
        DeadLetter.Origin.kafka(r.topic(), r.partition(), r.offset(), r.timestamp()),
        handle);
  }

  /**
   * A RabbitMQ delivery: its id is the {@code message-id} property (what a Kafka → RabbitMQ route sets
   * from {@code event-id}) or the {@code event-id} header; its type the {@code type} property or the
   * {@code event-type} header; its key the {@code kafka-key} header (none: not ordered).
   */
  static Message of(dev.sluice.pool.RabbitSource.Delivery d) {
    com.rabbitmq.client.BasicProperties p = d.message().properties();
    List<StoredDeadLetter.Header> headers = new ArrayList<>();
    if (p.getHeaders() != null) {
      p.getHeaders().forEach((k, v) -> headers.add(new StoredDeadLetter.Header(k,
          v == null ? new byte[0] : dev.sluice.bridge.HeaderMapping.text(v).getBytes(StandardCharsets.UTF_8))));
    }
    String id = p.getMessageId() != null ? p.getMessageId() : find(headers, "event-id");
    String key = find(headers, dev.sluice.bridge.HeaderMapping.KAFKA_KEY);
    return new Message(
        id != null ? id : "rabbitmq:" + d.queue() + "/" + d.message().envelope().getDeliveryTag(),
        p.getType() != null ? p.getType() : find(headers, "event-type"),
        find(headers, "event-version"),
        p.getCorrelationId() != null ? p.getCorrelationId() : find(headers, "correlation-id"),
        find(headers, "traceparent"),
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        d.message().body().getBytes(),
        headers,
        DeadLetter.Origin.rabbitmq(d.queue()),
        d);
  }

  static Message of(StoredDeadLetter d) {
    DeadLetter l = d.letter();
    return new Message(l.eventId(), l.eventType(), find(d.headers(), "event-version"),
        find(d.headers(), "correlation-id"), l.traceparent(), d.key(), d.value(), d.headers(), l.origin(), null);
  }

  /** The key as text (ordering), or null. */
  String keyText() {
    return key == null ? null : new String(key, StandardCharsets.UTF_8);
  }

  /** Where it was read, for the gRPC sink and the log. */
  String where() {
    return origin.queue() != null ? origin.queue() : origin.topic();
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static String find(List<StoredDeadLetter.Header> headers, String name) {
    String v = null;
    for (StoredDeadLetter.Header h : headers) {
      if (h.name().equals(name)) {
        v = new String(h.value(), StandardCharsets.UTF_8);
      }
    }
    return v;
  }
}
