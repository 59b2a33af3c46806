package dev.sluice.bus;

/**
 * Every way a request or an event can fail, with its stable id and what each edge answers. The id
 * ({@code SLC-nnnn}) names the failure in logs, docs, metrics and tests; {@code 1xxx} are the client's
 * to fix, {@code 5xxx} are the gateway's or the broker's and may succeed on retry.
 */
public enum Failure {
  MALFORMED_JSON("SLC-1001", 400, "INVALID_ARGUMENT", false),
  BODY_TOO_LARGE("SLC-1002", 413, "RESOURCE_EXHAUSTED", false),
  TOO_MANY_EVENTS("SLC-1003", 413, "RESOURCE_EXHAUSTED", false),
  UNSUPPORTED_MEDIA_TYPE("SLC-1004", 415, "INVALID_ARGUMENT", false),
  INVALID_ENVELOPE("SLC-1005", 422, "INVALID_ARGUMENT", false),
  UNKNOWN_EVENT_TYPE("SLC-1006", 422, "INVALID_ARGUMENT", false),
  EVENT_TOO_LARGE("SLC-1007", 413, "INVALID_ARGUMENT", false),
  EMPTY_BODY("SLC-1008", 400, "INVALID_ARGUMENT", false),
  CREDIT_EXCEEDED("SLC-1009", 429, "RESOURCE_EXHAUSTED", true),
  UPGRADE_REQUIRED("SLC-1010", 426, "INVALID_ARGUMENT", false),
  BODY_TIMEOUT("SLC-1011", 408, "DEADLINE_EXCEEDED", true),
  /** The event's {@code data} violates the JSON Schema of its type and version (pointers under /data). */
  INVALID_PAYLOAD("SLC-1012", 422, "INVALID_ARGUMENT", false),
  /** The event's type has schemas, but none for its version (the message names the known ones). */
  UNKNOWN_SCHEMA_VERSION("SLC-1013", 422, "INVALID_ARGUMENT", false),
  /** A CloudEvent that breaks the CloudEvents 1.0 spec or Sluice's mapping (pointers name the attribute). */
  INVALID_CLOUDEVENT("SLC-1014", 422, "INVALID_ARGUMENT", false),
  /** The Idempotency-Key header (or gRPC metadata) is not a usable key. */
  IDEMPOTENCY_KEY_MALFORMED("SLC-1015", 400, "INVALID_ARGUMENT", false),
  /** The Idempotency-Key was used before with a different request body. */
  IDEMPOTENCY_KEY_REUSED("SLC-1016", 422, "INVALID_ARGUMENT", false),
  /** The first request with this Idempotency-Key is still being answered. */
  IDEMPOTENCY_IN_PROGRESS("SLC-1017", 409, "ABORTED", true),
  /** The HTTP stack could not parse the request (request line, headers): the connection is closed. */
  BAD_HTTP_REQUEST("SLC-1400", 400, "INVALID_ARGUMENT", false),
  /** No credential: no API key, bearer token or client certificate. */
  UNAUTHENTICATED("SLC-1401", 401, "UNAUTHENTICATED", false),
  /** A credential that is not valid: unknown or wrong API key, bad JWT, unknown key id, unmapped certificate. */
  CREDENTIAL_INVALID("SLC-1402", 401, "UNAUTHENTICATED", false),
  /** The tenant may not publish this event type, or to this topic (the message names it). */
  FORBIDDEN("SLC-1403", 403, "PERMISSION_DENIED", false),
  /** A JWT past its {@code exp}, or before its {@code nbf}, beyond the leeway. */
  TOKEN_EXPIRED("SLC-1406", 401, "UNAUTHENTICATED", false),
  /** A JWT whose issuer, audience, algorithm or tenant claim is not accepted. */
  TOKEN_REJECTED("SLC-1407", 401, "UNAUTHENTICATED", false),
  /** Admin: an endpoint that needs the admin token, without a valid one. */
  ADMIN_FORBIDDEN("SLC-1408", 403, "PERMISSION_DENIED", false),
  /** The request line (the path) is longer than the HTTP stack takes: the connection is closed. */
  URI_TOO_LONG("SLC-1414", 414, "INVALID_ARGUMENT", false),
  /** The tenant is over its events/s or bytes/s quota; Retry-After says when to come back. */
  QUOTA_EXCEEDED("SLC-1429", 429, "RESOURCE_EXHAUSTED", true),
  /** The request's headers are larger than the HTTP stack takes: the connection is closed. */
  HEADERS_TOO_LARGE("SLC-1431", 431, "INVALID_ARGUMENT", false),
  /** A request line with an HTTP version other than 1.0 and 1.1: the connection is closed. */
  HTTP_VERSION_NOT_SUPPORTED("SLC-1505", 505, "INVALID_ARGUMENT", false),
  NOT_FOUND("SLC-1404", 404, "UNIMPLEMENTED", false),
  METHOD_NOT_ALLOWED("SLC-1405", 405, "UNIMPLEMENTED", false),
  /** Admin: the dead-letter tools were asked about a subscription that is not configured. */
  UNKNOWN_SUBSCRIPTION("SLC-1201", 404, "NOT_FOUND", false),
  /** Admin: a filter, paging or replay parameter of the dead-letter tools is not valid (named in the body). */
  BAD_PARAMETER("SLC-1202", 400, "INVALID_ARGUMENT", false),
  /** Admin: no dead letter of that subscription has that event id. */
  DEAD_LETTER_NOT_FOUND("SLC-1203", 404, "NOT_FOUND", false),
  /** Admin: no replay job has that id (jobs are kept in memory: the last 100, until a restart). */
  UNKNOWN_REPLAY("SLC-1204", 404, "NOT_FOUND", false),
  OVERLOADED("SLC-5001", 503, "RESOURCE_EXHAUSTED", true),
  KAFKA_UNAVAILABLE("SLC-5002", 503, "UNAVAILABLE", true),
  SHUTTING_DOWN("SLC-5003", 503, "UNAVAILABLE", true),
  BROKER_REJECTED("SLC-5004", 502, "INTERNAL", false),
  INTERNAL_ERROR("SLC-5999", 500, "INTERNAL", false),
  TOPIC_MISSING("SLC-5005", 503, "UNAVAILABLE", true),
  OUTCOME_UNKNOWN("SLC-5006", 504, "DEADLINE_EXCEEDED", false),
  REFUSED_WITH_BATCH("SLC-5007", 503, "UNAVAILABLE", true),
  SPOOL_FULL("SLC-5008", 503, "RESOURCE_EXHAUSTED", true),
  FALLBACK_REJECTED("SLC-5009", 502, "FAILED_PRECONDITION", false),
  /** Admin: the dead-letter index (PostgreSQL) is not configured or does not answer. */
  DEAD_LETTERS_UNAVAILABLE("SLC-5010", 503, "UNAVAILABLE", true),
  /** A request with an Idempotency-Key, while the idempotency store (PostgreSQL) does not answer. */
  IDEMPOTENCY_UNAVAILABLE("SLC-5011", 503, "UNAVAILABLE", true);

  private final String id;
  private final int httpStatus;
  private final String grpcStatus;
  private final boolean retryable;
  private final String reason;

  Failure(String id, int httpStatus, String grpcStatus, boolean retryable) {
    this.id = id;
    this.httpStatus = httpStatus;
    this.grpcStatus = grpcStatus;
    this.retryable = retryable;
    this.reason = name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The stable id, e.g. {@code SLC-1005}. */
  public String id() {
    return id;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The gRPC status code name the gRPC edge answers with. */
  public String grpcStatus() {
    return grpcStatus;
  }

  /** Whether the same request may succeed later unchanged. */
  public boolean retryable() {
    return retryable;
  }

  /** Low-cardinality metric tag, e.g. {@code malformed_json}. */
  public String reason() {
    return reason;
  }

  /** Whether the client must change its input (as opposed to trying again later). */
  public boolean isClientError() {
    return httpStatus < 500;
  }
}
