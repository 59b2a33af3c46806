package dev.sluice.deadletter;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Why and where from a message was dead-lettered: the metadata that travels with it to the dead-letter
 * target (as headers) and into the dead-letter index (as columns).
 *
 * @param subscription the subscription (or bridge route) that gave it up
 * @param eventId the event's id ({@code event-id} header), or a stand-in naming its origin when absent
 * @param eventType the event's type, or null when its headers name none
 * @param origin where the message was read
 * @param attempts deliveries tried (1 for a permanent failure on the first try)
 * @param firstFailure when the first attempt failed
 * @param lastFailure when the last attempt failed
 * @param failureClass what kind of failure: one of the {@code CLASS_*} constants
 * @param status the sink's HTTP status or gRPC status code, or null (no answer: a timeout, a refused
 *     connection)
 * @param response the sink's answer or the error's message, cut to {@value #MAX_RESPONSE_BYTES} bytes
 * @param traceparent the W3C trace context of the message, or null
 */
public record DeadLetter(
    String subscription,
    String eventId,
    String eventType,
    Origin origin,
    int attempts,
    Instant firstFailure,
    Instant lastFailure,
    String failureClass,
    Integer status,
    String response,
    String traceparent) {

  /** The sink answered with a status that is not success (HTTP 4xx/5xx, a gRPC status, REJECT). */
  public static final String CLASS_STATUS = "status";
  /** No answer within the subscription's timeout. */
  public static final String CLASS_TIMEOUT = "timeout";
  /** The sink could not be reached (refused, reset, unknown host). */
  public static final String CLASS_CONNECTION = "connection";
  /** An in-process handler failed the message. */
  public static final String CLASS_HANDLER = "handler";
  /** The message cannot be written to the far side at all (e.g. an AMQP field over its limit). */
  public static final String CLASS_UNENCODABLE = "unencodable";
  /** The far side's broker refused the message for good (e.g. Kafka: record too large). */
  public static final String CLASS_REFUSED = "refused";

  /** What of the sink's answer is kept. */
  public static final int MAX_RESPONSE_BYTES = 1024;

  /** Where a message was read: a Kafka record (topic, partition, offset, timestamp) or a RabbitMQ queue. */
  public record Origin(String topic, Integer partition, Long offset, Long timestampMs, String queue) {

    public static Origin kafka(String topic, int partition, long offset, long timestampMs) {
      return new Origin(topic, partition, offset, timestampMs, null);
    }

    public static Origin rabbitmq(String queue) {
      return new Origin(null, null, null, null, queue);
    }

    /** {@code kafka} or {@code rabbitmq}. */
    public String source() {
      return queue != null ? "rabbitmq" : "kafka";
    }
  }

  public DeadLetter {
    response = cut(response);
  }

  /** {@code s} cut to at most {@value #MAX_RESPONSE_BYTES} bytes of UTF-8, on a character boundary. */
  public static String cut(String s) {
    if (s == null) {
      return null;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= MAX_RESPONSE_BYTES) {
      return s;
    }
    int end = MAX_RESPONSE_BYTES;
    while (end > 0 && (b[end] & 0xC0) == 0x80) {
      end--; // not inside a character
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }
}
