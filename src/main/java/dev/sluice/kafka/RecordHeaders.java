package dev.sluice.kafka;

import dev.sluice.bus.Event;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The Kafka headers an event carries: its metadata, so consumers need not parse the value. One instance
 * per batch: events of a batch mostly share type, version and correlation id, which are encoded once.
 */
final class RecordHeaders {

  static final String EVENT_ID = "event-id";
  static final String EVENT_TYPE = "event-type";
  static final String EVENT_VERSION = "event-version";
  static final String CORRELATION_ID = "correlation-id";
  static final String TRACEPARENT = "traceparent";
  static final String TENANT = "tenant";

  private final byte[] traceparent;
  private final Encoded type = new Encoded();
  private final Encoded version = new Encoded();
  private final Encoded correlation = new Encoded();
  private final Encoded tenant = new Encoded();

  RecordHeaders(String traceparent) {
    this.traceparent = traceparent == null ? null : utf8(traceparent);
  }

  /** The headers of {@code e}, with {@code traceparent} instead of the batch's when it is not null. */
  List<Header> of(Event e, String traceparent) {
    List<Header> headers = of(e);
    if (traceparent != null) {
      headers.removeIf(h -> h.key().equals(TRACEPARENT));
      headers.add(new RecordHeader(TRACEPARENT, utf8(traceparent)));
    }
    return headers;
  }

  List<Header> of(Event e) {
    List<Header> headers = new ArrayList<>(6);
    headers.add(new RecordHeader(EVENT_ID, utf8(e.eventId())));
    headers.add(new RecordHeader(EVENT_TYPE, type.bytes(e.eventType())));
    headers.add(new RecordHeader(EVENT_VERSION, version.bytes(e.eventVersion())));
    headers.add(new RecordHeader(CORRELATION_ID, correlation.bytes(e.correlationId())));
    if (traceparent != null) {
      headers.add(new RecordHeader(TRACEPARENT, traceparent));
    }
    if (e.tenant() != null) { // the gateway's, from the caller's credential: nothing of the client's input
      headers.add(new RecordHeader(TENANT, tenant.bytes(e.tenant())));
    }
    return headers;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The last value encoded, reused while the next ones are equal (header values are never mutated). */
  private static final class Encoded {
    private String value;
    private byte[] bytes;

    byte[] bytes(String v) {
      if (!v.equals(value)) {
        value = v;
        bytes = utf8(v);
      }
      return bytes;
    }
  }
}
