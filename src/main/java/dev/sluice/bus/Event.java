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
 */
public record Event(
    int index,
    String eventId,
    String eventType,
    String eventVersion,
    String aggregateId,
    String correlationId,
    byte[] value) {

  /** The broker key: the aggregate id, else the event id. */
  public String key() {
    return aggregateId != null ? aggregateId : eventId;
  }
}
