package dev.sluice.bridge;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BasicProperties;
import com.rabbitmq.client.LongString;
import dev.sluice.rabbit.AmqpEncoding;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The one table between Kafka headers and AMQP properties, used both ways. {@code event-id} ↔
 * message-id, {@code correlation-id} ↔ correlation-id, {@code event-type} ↔ type, {@code
 * content-type} ↔ content-type, the record timestamp ↔ timestamp (AMQP keeps seconds); every other
 * header (e.g. {@code traceparent}, {@code event-version}) is carried under its own name as UTF-8
 * text. A value too long for its AMQP property (a short string: {@value AmqpEncoding#SHORT_STRING_MAX}
 * bytes of UTF-8) travels as a header of its Kafka name instead, so it comes back unchanged. The
 * Kafka key travels in the AMQP header {@value #KAFKA_KEY}; {@value #HOPS} counts the bridges a
 * message crossed. AMQP messages are published persistent (delivery mode 2).
 */
public final class HeaderMapping {

  public static final String HOPS = "sluice-hops";
  public static final String KAFKA_KEY = "kafka-key";
  static final String EVENT_ID = "event-id";
  static final String CORRELATION_ID = "correlation-id";
  static final String EVENT_TYPE = "event-type";
  static final String CONTENT_TYPE = "content-type";

  private HeaderMapping() {}

  /** AMQP properties for a Kafka record that crossed {@code hops} bridges with this one. */
  public static AMQP.BasicProperties toAmqp(Headers headers, byte[] key, long timestamp, int hops) {
    AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder().deliveryMode(2);
    if (timestamp >= 0) {
      b.timestamp(new Date(timestamp));
    }
    Map<String, Object> amqpHeaders = new LinkedHashMap<>();
    for (Header h : headers) {
      String value = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
      switch (h.key()) {
        case HOPS, KAFKA_KEY -> {}
        case EVENT_ID, CORRELATION_ID, EVENT_TYPE, CONTENT_TYPE -> {
          // the last of repeated headers wins, as property or (too long for one) as header
          if (AmqpEncoding.fitsShortString(value)) {
            property(b, h.key(), value);
            amqpHeaders.remove(h.key());
          } else {
            property(b, h.key(), null);
            amqpHeaders.put(h.key(), value);
          }
        }
        default -> amqpHeaders.put(h.key(), value);
      }
    }
    if (key != null) {
      amqpHeaders.put(KAFKA_KEY, new String(key, StandardCharsets.UTF_8));
    }
    amqpHeaders.put(HOPS, hops);
    return b.headers(amqpHeaders).build();
  }

  private static void property(AMQP.BasicProperties.Builder b, String header, String value) {
    switch (header) {
      case EVENT_ID -> b.messageId(value);
      case CORRELATION_ID -> b.correlationId(value);
      case EVENT_TYPE -> b.type(value);
      default -> b.contentType(value);
    }
  }

  /** Kafka headers for an AMQP message that crossed {@code hops} bridges with this one. */
  public static List<Header> toKafka(BasicProperties props, int hops) {
    List<Header> out = new ArrayList<>();
    add(out, EVENT_ID, props.getMessageId());
    add(out, CORRELATION_ID, props.getCorrelationId());
    add(out, EVENT_TYPE, props.getType());
    add(out, CONTENT_TYPE, props.getContentType());
    if (props.getHeaders() != null) {
      props.getHeaders().forEach(
          (name, value) -> {
            if (!name.equals(HOPS) && !name.equals(KAFKA_KEY) && value != null) {
              out.add(new RecordHeader(name, bytes(value)));
            }
          });
    }
    out.add(new RecordHeader(HOPS, utf8(Integer.toString(hops))));
    return out;
  }

  /** The record timestamp for an AMQP message, or null (the producer's clock) when it has none. */
  public static Long timestamp(BasicProperties props) {
    Date t = props.getTimestamp();
    return t == null ? null : t.getTime();
  }

  /** Bridges a Kafka record crossed so far. */
  public static int hops(Headers headers) {
    Header h = headers.lastHeader(HOPS);
    return h == null || h.value() == null ? 0 : parse(new String(h.value(), StandardCharsets.UTF_8));
  }

  /** Bridges an AMQP message crossed so far. */
  public static int hops(BasicProperties props) {
    Object v = props.getHeaders() == null ? null : props.getHeaders().get(HOPS);
    return v == null ? 0 : parse(text(v));
  }

  /** An AMQP header value as text. */
  public static String text(Object value) {
    return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : value.toString();
  }

  private static byte[] bytes(Object value) {
    if (value instanceof byte[] b) {
      return b;
    }
    if (value instanceof LongString s) {
      return s.getBytes();
    }
    return utf8(value.toString());
  }

  private static void add(List<Header> out, String name, String value) {
    if (value != null) {
      out.add(new RecordHeader(name, utf8(value)));
    }
  }

  private static int parse(String s) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
