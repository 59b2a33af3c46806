package dev.sluice.kafka;

import dev.sluice.bus.Event;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/** The Kafka headers an event carries: its metadata, so consumers need not parse the value. */
final class RecordHeaders {

  static final String EVENT_ID = "event-id";
  static final String EVENT_TYPE = "event-type";
  static final String EVENT_VERSION = "event-version";
  static final String CORRELATION_ID = "correlation-id";
  static final String TRACEPARENT = "traceparent";

  private RecordHeaders() {}

  static List<Header> of(Event e, byte[] traceparent) {
    List<Header> headers = new ArrayList<>(5);
    headers.add(new RecordHeader(EVENT_ID, utf8(e.eventId())));
    headers.add(new RecordHeader(EVENT_TYPE, utf8(e.eventType())));
    headers.add(new RecordHeader(EVENT_VERSION, utf8(e.eventVersion())));
    headers.add(new RecordHeader(CORRELATION_ID, utf8(e.correlationId())));
    if (traceparent != null) {
      headers.add(new RecordHeader(TRACEPARENT, traceparent));
    }
    return headers;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
