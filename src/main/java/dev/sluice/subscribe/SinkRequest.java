package dev.sluice.subscribe;

/**
 * One event to deliver.
 *
 * @param eventId the event's id (HTTP: {@code event-id} and {@code Idempotency-Key} headers)
 * @param eventType the event's type, or null
 * @param eventVersion the event's version, or null
 * @param correlationId its correlation id, or null
 * @param traceparent the W3C trace context to send: the message's trace id with a new span id, or null
 * @param key the message's key (UTF-8), or null
 * @param topic where it was read (a Kafka topic or a RabbitMQ queue), for the gRPC sink's {@code topic}
 * @param body the envelope exactly as it was read (HTTP: the request body, {@code application/json})
 * @param timeoutMs the deadline of this delivery
 */
public record SinkRequest(
    String eventId,
    String eventType,
    String eventVersion,
    String correlationId,
    String traceparent,
    String key,
    String topic,
    byte[] body,
    long timeoutMs) {}
