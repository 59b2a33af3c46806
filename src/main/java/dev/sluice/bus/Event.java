package dev.sluice.bus;

/**
 * One validated event on its way to a broker.
 *
 * @param index position in the client's request (results are reported in request order)
 * @param eventId the dedup key (a UUID; for CloudEvents input the event's {@code id})
 * @param eventType dot-notation type, e.g. {@code order.created}
 * @param eventVersion version of the type's payload schema, as text
 * @param aggregateId the partition key when present, else {@code null}
 * @param correlationId from the envelope, else the request's
 * @param value the native envelope (UTF-8 JSON): exactly as the client sent it, or built from a
 *     CloudEvent with its {@code data} bytes as sent
 * @param tenant the name of the tenant that published it (the Kafka header {@code tenant}), set by
 *     ingest from the caller's credential — never from the client's input; {@code null} in {@code
 *     auth.mode: none} (no header)
 */
public record Event(
    int index,
    String eventId,
    String eventType,
    String eventVersion,
    String aggregateId,
    String correlationId,
    byte[] value,
    String tenant) {

  /** An event of no tenant (as read from a request, before ingest stamps its caller's tenant). */
  public Event(int index, String eventId, String eventType, String eventVersion, String aggregateId,
      String correlationId, byte[] value) {
    this(index, eventId, eventType, eventVersion, aggregateId, correlationId, value, null);
  }

  /** This event, published by {@code tenant} (null: no tenant). */
  public Event withTenant(String tenant) {
    return new Event(index, eventId, eventType, eventVersion, aggregateId, correlationId, value, tenant);
  }

  /** The broker key: the aggregate id, else the event id. */
  public String key() {
    return aggregateId != null ? aggregateId : eventId;
  }
}
