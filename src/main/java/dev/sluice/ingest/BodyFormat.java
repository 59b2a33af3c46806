package dev.sluice.ingest;

import dev.sluice.schema.ReadResult;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * How a {@code POST /v1/events} body is read, decided from its headers: the native envelope ({@code
 * application/json}, NDJSON) or a CloudEvents mode. A request with a {@code ce-specversion} header is
 * CloudEvents binary mode whatever its content type (which is then {@code data}'s, checked by the reader).
 */
enum BodyFormat {
  JSON,
  NDJSON,
  CLOUDEVENT,
  CLOUDEVENT_BATCH,
  CLOUDEVENT_BINARY;

  static final CharSequence CE_SPECVERSION = HttpHeaders.createOptimized("ce-specversion");

  /** What the client is told it may send instead of an unsupported content type. */
  static final String SUPPORTED = "send application/json, application/x-ndjson, application/cloudevents+json,"
      + " application/cloudevents-batch+json, or a CloudEvent in binary mode (ce-* headers)";

  /** The format of {@code req}'s body, or null when it is not one Sluice reads. */
  static BodyFormat of(HttpServerRequest req) {
    if (req.headers().contains(CE_SPECVERSION)) {
      return CLOUDEVENT_BINARY;
    }
    String contentType = req.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType == null) {
      return null;
    }
    String[] parts = contentType.split(";");
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i].trim().toLowerCase(Locale.ROOT);
      if (param.startsWith("charset=") && !param.equals("charset=utf-8") && !param.equals("charset=\"utf-8\"")) {
        return null;
      }
    }
    return switch (media) {
      case "application/json" -> JSON;
      case "application/x-ndjson", "application/ndjson", "application/jsonl" -> NDJSON;
      case "application/cloudevents+json" -> CLOUDEVENT;
      case "application/cloudevents-batch+json" -> CLOUDEVENT_BATCH;
      default -> null;
    };
  }

  /** Reads the body of {@code req} in this format. */
  ReadResult read(IngestContext ctx, HttpServerRequest req, byte[] body, int size, String correlationId,
      String receivedAt) {
    return switch (this) {
      case JSON -> ctx.reader().readJson(body, size, correlationId);
      case NDJSON -> ctx.reader().readNdjson(body, size, correlationId);
      case CLOUDEVENT -> ctx.cloudEvents().readStructured(body, size, correlationId, receivedAt);
      case CLOUDEVENT_BATCH -> ctx.cloudEvents().readBatch(body, size, correlationId, receivedAt);
      case CLOUDEVENT_BINARY -> ctx.cloudEvents().readBinary(
          req.headers(), req.getHeader(HttpHeaders.CONTENT_TYPE), body, size, correlationId, receivedAt);
    };
  }
}
