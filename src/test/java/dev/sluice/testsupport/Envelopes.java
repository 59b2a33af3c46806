package dev.sluice.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/** Envelope texts for requests: valid ones by default, written exactly as they will be sent. */
public final class Envelopes {

  public static final String OCCURRED_AT = "2026-11-23T10:15:30Z";

  private Envelopes() {}

  public static String newId() {
    return UUID.randomUUID().toString();
  }

  /** A compact valid envelope; {@code aggregateId} and {@code correlationId} may be null. */
  public static String envelope(
      String eventId, String eventType, String aggregateId, String correlationId, String dataJson) {
    StringBuilder sb = new StringBuilder(160 + dataJson.length());
    sb.append("{\"eventId\":\"").append(eventId).append('"');
    sb.append(",\"eventType\":\"").append(eventType).append('"');
    sb.append(",\"eventVersion\":1");
    sb.append(",\"occurredAt\":\"").append(OCCURRED_AT).append('"');
    sb.append(",\"source\":\"sluice-it\"");
    if (aggregateId != null) {
      sb.append(",\"aggregateId\":\"").append(aggregateId).append('"');
    }
    if (correlationId != null) {
      sb.append(",\"correlationId\":\"").append(correlationId).append('"');
    }
    sb.append(",\"data\":").append(dataJson).append('}');
    return sb.toString();
  }

  /** A compact valid envelope with a small payload. */
  public static String envelope(String eventId, String eventType) {
    return envelope(eventId, eventType, null, null, "{\"n\":1}");
  }

  /** One envelope per line. */
  public static byte[] ndjson(List<String> envelopes) {
    return (String.join("\n", envelopes) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON array of the envelopes. */
  public static byte[] jsonArray(List<String> envelopes) {
    return ("[" + String.join(",\n", envelopes) + "]").getBytes(StandardCharsets.UTF_8);
  }
}
