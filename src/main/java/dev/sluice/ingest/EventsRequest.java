package dev.sluice.ingest;

import dev.sluice.auth.Caller;
import dev.sluice.auth.Tenant;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.quota.Quotas;
import dev.sluice.schema.ReadResult;
import dev.sluice.schema.Rejection;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.time.Instant;
import java.util.List;

/**
 * One {@code POST /v1/events}, from its headers to its answer, on its connection's event loop. Bytes are
 * taken from the in-flight budget as they arrive, before they are held (a Content-Length that cannot
 * fit is refused at once), events before they are sent; both are given back once when the request is
 * answered or abandoned. The body must arrive within {@code http.body-timeout-ms} of the headers.
 */
final class EventsRequest {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventsRequest.class);

  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("retry-after");
  private static final CharSequence RATELIMIT_POLICY = HttpHeaders.createOptimized("ratelimit-policy");
  private static final CharSequence RATELIMIT = HttpHeaders.createOptimized("ratelimit");
  static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence X_CORRELATION_ID = HttpHeaders.createOptimized("x-correlation-id");
  private static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
  private static final long LINGER_MS = 2000;

  private final IngestContext ctx;
  private final HttpServerRequest req;
  private final HttpServerResponse resp;
  private final long started;
  private final long receivedAt = System.currentTimeMillis();
  private final String requestId;
  private final String correlationId;

  private BodyFormat format;
  private long expected;
  private RequestBody body;
  private long bodyTimer = -1;
  private Future<Void> answerWritten;
  private long reservedEvents;
  private boolean done;
  private IdempotentRequest idem;
  private final Caller caller;

  EventsRequest(IngestContext ctx, HttpServerRequest req, Caller caller, long started) {
    this.ctx = ctx;
    this.caller = caller;
    this.req = req;
    this.resp = req.response();
    this.started = started;
    String rid = req.getHeader(X_REQUEST_ID);
    this.requestId = Ids.usable(rid) ? rid : Ids.random();
    String cid = req.getHeader(X_CORRELATION_ID);
    this.correlationId = Ids.usable(cid) ? cid : Ids.random();
  }

  void start() {
    resp.putHeader(X_REQUEST_ID, requestId).putHeader(X_CORRELATION_ID, correlationId);
    if (ctx.state().draining()) {
      resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      refuse(Failure.SHUTTING_DOWN, "the gateway is shutting down; retry on another instance");
      return;
    }
    idem = IdempotentRequest.of(ctx.idempotency(), req, caller.tenant().name());
    if (idem != null && idem.malformed() != null) {
      refuse(Failure.IDEMPOTENCY_KEY_MALFORMED, idem.malformed());
      return;
    }
    format = BodyFormat.of(req);
    if (format == null) {
      String given = req.getHeader(HttpHeaders.CONTENT_TYPE);
      refuse(
          Failure.UNSUPPORTED_MEDIA_TYPE,
          (given == null ? "no content type" : "content type '" + given + "' is not supported")
              + "; " + BodyFormat.SUPPORTED);
      return;
    }
    if (!ctx.state().acceptsEvents()) {
      refuse(Failure.KAFKA_UNAVAILABLE, ctx.state().fallbackConfigured()
          ? "Kafka is unreachable and the spool does not answer; retry later" : "Kafka is unreachable; retry later");
      return;
    }
    long length = contentLength();
    if (length > ctx.maxBodyBytes()) {
      lingerThenClose();
      refuse(Failure.BODY_TOO_LARGE, "the body is " + length + " bytes, the limit is " + ctx.maxBodyBytes());
      return;
    }
    if (length > 0 && !ctx.inFlight().hasRoomForBytes(length)) {
      refuse(Failure.OVERLOADED, "too much in flight (" + ctx.inFlight().bytes() + " bytes); retry later");
      return;
    }
    expected = length;
    body = new RequestBody(ctx.inFlight(), length, ctx.maxBodyBytes());
    req.handler(chunk -> guarded(() -> onChunk(chunk)));
    req.endHandler(v -> guarded(this::onEnd));
    req.exceptionHandler(
        t -> {
          if (reservedEvents == 0) { // aborted while the body was read: nothing was sent yet
            done = true;
            cancelBodyTimer();
            release();
          }
        });
    if (!req.isEnded()) {
      bodyTimer = ctx.vertx().setTimer(ctx.bodyTimeoutMs(), id -> onBodyTimeout());
    }
    if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
      resp.writeContinue();
    }
    req.resume();
  }

  private void onChunk(Buffer chunk) {
    if (done) {
      return; // already answered: the rest of the body is read and dropped
    }
    if (body.size() + chunk.length() > ctx.maxBodyBytes()) {
      lingerThenClose();
      refuse(Failure.BODY_TOO_LARGE, "the body is larger than the limit of " + ctx.maxBodyBytes() + " bytes");
      return;
    }
    if (!body.append(chunk)) {
      refuse(Failure.OVERLOADED, "too much in flight (" + ctx.inFlight().bytes() + " bytes); retry later");
    }
  }

  /**
   * The body did not arrive in time: 408, and the exchange ends, as the client may still be sending —
   * HTTP/1.x closes the connection once the answer is written (what the client sent was read, so the
   * close loses nothing); HTTP/2 keeps the connection and resets the stream (NO_ERROR, RFC 9113 section
   * 8.1) if it still sends {@link #LINGER_MS} later: a reset right after the answer can make a client
   * drop the answer it has not read yet.
   */
  private void onBodyTimeout() {
    bodyTimer = -1;
    if (done) {
      return;
    }
    boolean http2 = req.version() == HttpVersion.HTTP_2;
    if (!http2) {
      resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    refuse(
        Failure.BODY_TIMEOUT,
        "the body did not arrive within " + ctx.bodyTimeoutMs() + " ms of the headers (http.body-timeout-ms): "
            + body.size() + (expected > 0 ? " of " + expected : "") + " bytes received");
    Future<Void> written = answerWritten;
    if (written != null) {
      written.onComplete(
          ar -> {
            if (!http2) {
              req.connection().close();
            } else if (!req.isEnded()) {
              long linger = ctx.vertx().setTimer(LINGER_MS, id -> resp.reset(0));
              req.endHandler(end -> ctx.vertx().cancelTimer(linger));
            }
          });
    }
  }

  private void cancelBodyTimer() {
    if (bodyTimer >= 0) {
      ctx.vertx().cancelTimer(bodyTimer);
      bodyTimer = -1;
    }
  }

  private void onEnd() {
    cancelBodyTimer();
    if (done) {
      return;
    }
    if (idem != null) { // claimed once the body is known: the key's fingerprint covers it
      idem.claim(req, body.bytes(), body.size()).onSuccess(v -> guarded(() -> claimed(v)));
      return;
    }
    read();
  }

  private void claimed(IdempotencyGate.Verdict verdict) {
    switch (verdict) {
      case IdempotencyGate.Proceed p -> read();
      case IdempotencyGate.Replay r -> send(IdempotentRequest.replay(resp, r.answer()));
      case IdempotencyGate.Refuse f -> refuse(f.failure(), f.message());
    }
  }

  private void read() {
    if (done) { // the client went away while the key was claimed
      send(Answer.error(Failure.INTERNAL_ERROR, "the client went away", requestId));
      return;
    }
    ReadResult read = format.read(ctx, req, body.bytes(), body.size(), correlationId,
        Instant.ofEpochMilli(receivedAt).toString());
    int bytes = body.size();
    body.drop(); // valid events hold their own bytes from here on
    if (read.failure() != null) {
      refuse(read.failure(), read.message());
      return;
    }
    Tenant tenant = caller.tenant();
    TenantGate.Checked checked = ctx.tenants().permit(tenant, read.single(), read.events(), read.rejections(),
        read.traceparents());
    if (checked.forbidden() > 0) {
      read = read.narrowed(checked.events(), checked.rejections(), checked.traceparents());
    }
    List<Event> events = checked.events();
    if (events.isEmpty()) {
      answer(read, events, new Outcome[0]);
      return;
    }
    if (!ctx.inFlight().tryAcquireEvents(events.size())) {
      refuse(Failure.OVERLOADED, "too many events in flight (" + ctx.inFlight().events() + "); retry later");
      return;
    }
    // the quota last: a request refused for another reason is not charged to it
    Quotas.Verdict quota = ctx.tenants().take(tenant, events.size(), bytes);
    if (!quota.admitted()) {
      ctx.inFlight().releaseEvents(events.size());
      resp.putHeader(RETRY_AFTER, Long.toString(quota.retryAfterSeconds()))
          .putHeader(RATELIMIT_POLICY, quota.policyHeader())
          .putHeader(RATELIMIT, quota.rateLimitHeader());
      refuse(Failure.QUOTA_EXCEEDED, quota.message(tenant.name()));
      return;
    }
    reservedEvents = events.size();
    String traceparent = req.getHeader(TRACEPARENT);
    ReadResult sent = read;
    ctx.publish(events, Ids.validTraceparent(traceparent) ? traceparent : null, read.traceparents())
        .onSuccess(outcomes -> guarded(() -> answer(sent, events, outcomes)));
  }

  private void answer(ReadResult read, List<Event> events, Outcome[] outcomes) {
    List<Rejection> rejections = read.rejections();
    ctx.metrics().settled(rejections, outcomes);
    Answer answer =
        read.single()
            ? Answer.single(
                rejections.isEmpty() ? null : rejections.get(0),
                outcomes.length == 0 ? null : outcomes[0],
                events.isEmpty() ? null : events.get(0).eventId(),
                requestId)
            : Answer.batch(read.total(), rejections, events, outcomes, requestId);
    send(answer);
  }

  /**
   * Runs a step of the request; a bug in it must not leave the request unanswered with its budget
   * taken: it is answered 500 SLC-5999 (logged with the request id) and its budget given back.
   */
  private void guarded(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException | StackOverflowError e) { // a deep recursion unwound: answer, free the budget
      LOG.error("Request {}: unexpected failure; answering 500", requestId, e);
      if (done) {
        release();
        return;
      }
      ctx.metrics().rejected(Failure.INTERNAL_ERROR);
      send(Answer.error(Failure.INTERNAL_ERROR, reservedEvents == 0 ? "internal error: nothing was published"
          : "internal error: the events' outcome is unknown (eventId is the dedup key)", requestId));
    }
  }

  /** Refuses the whole request: counted, nothing published. */
  private void refuse(Failure failure, String message) {
    ctx.metrics().rejected(failure);
    send(Answer.error(failure, message, requestId));
  }

  private void send(Answer answer) {
    if (done && idem == null) {
      return;
    }
    if (idem != null) { // the key's answer is stored before the client sees it, so that a retry finds it
      IdempotentRequest claim = idem;
      idem = null;
      claim.settle(answer.status(), answer.body(), correlationId).onComplete(x -> send(answer));
      return;
    }
    done = true;
    cancelBodyTimer();
    if (answer.failure() != null && answer.failure().retryable() && (answer.status() == 503 || answer.status() == 409)) {
      resp.putHeader(RETRY_AFTER, ctx.retryAfter());
    }
    resp.setStatusCode(answer.status()).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    if (!resp.closed()) {
      answerWritten = resp.end(answer.body());
    }
    ctx.metrics().answered(answer.status(), started);
    release();
    if (!req.isEnded()) {
      req.handler(null);
      req.resume(); // keep reading (and dropping) the rest of the body
    }
  }

  private void release() {
    if (body != null) {
      body.release();
    }
    if (reservedEvents > 0) {
      ctx.inFlight().releaseEvents(reservedEvents);
      reservedEvents = 0;
    }
  }

  /**
   * HTTP/1.x: closing while the client still sends would reset the connection and lose the answer
   * (RFC 9112 section 9.6), so the rest of an oversized body is read and dropped; a client still
   * sending {@link #LINGER_MS} after the answer is cut off.
   */
  private void lingerThenClose() {
    if (req.version() == HttpVersion.HTTP_2) {
      return;
    }
    resp.endHandler(
        v -> {
          if (req.isEnded()) {
            return;
          }
          long timer = ctx.vertx().setTimer(LINGER_MS, id -> req.connection().close());
          req.endHandler(end -> ctx.vertx().cancelTimer(timer));
        });
  }

  private long contentLength() {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
