package dev.sluice.ingest;

import com.google.rpc.Status;

import com.google.protobuf.Descriptors;
import dev.sluice.auth.Caller;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.quota.Quotas;
import com.google.protobuf.Duration;
import com.google.rpc.RetryInfo;
import dev.sluice.bus.Outcome;
import dev.sluice.config.GrpcIngestConfig;
import dev.sluice.grpc.v1.EventResult;
import dev.sluice.grpc.v1.IngestGrpcService;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.schema.Violation;
import io.vertx.core.Future;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code sluice.v1.Ingest} service on the ingest port, beside the standard health service (its
 * status follows the gateway's readiness) and server reflection. One per ingest verticle instance, on
 * its event loop.
 */
final class GrpcIngest implements Service {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrpcIngest.class);

  static final String SERVICE = "sluice.v1.Ingest";
  static final String IDEMPOTENCY_KEY = "idempotency-key";

  private final IngestContext ctx;
  private final IngestMetrics metrics;
  private final GrpcIngestConfig config;
  private final int maxBatchEvents;
  private final Set<GrpcStream> streams = new HashSet<>();
  private final IdempotencyGate idempotency;

  private GrpcIngest(IngestContext ctx, IngestMetrics metrics, GrpcIngestConfig config, int maxBatchEvents,
      IdempotencyGate idempotency) {
    this.ctx = ctx;
    this.idempotency = idempotency;
    this.metrics = metrics;
    this.config = config;
    this.maxBatchEvents = maxBatchEvents;
  }

  /** The gRPC server of an ingest instance: a handler of the HTTP requests with a gRPC content type. */
  static GrpcIngest create(IngestContext ctx, IngestMetrics metrics, GrpcIngestConfig config, int maxBatchEvents,
      IdempotencyGate idempotency) {
    return new GrpcIngest(ctx, metrics, config, maxBatchEvents, idempotency);
  }

  /**
   * The handler of the ingest port's gRPC requests: the gRPC server, behind a guard of what vertx-grpc
   * throws on odd input ({@link GrpcWireGuard}).
   */
  io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> server() {
    GrpcServer server =
        GrpcServer.server(ctx.vertx(), new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes()))
            .addService(this).addService(new GrpcHealth(ctx.vertx(), ctx.state()::ready))
            .addService(ReflectionService.v1());
    return req -> server.handle(GrpcWireGuard.guard(req, () -> metrics.rejected(GrpcWireGuard.FAILURE)));
  }

  @Override
  public ServiceName name() {
    return IngestGrpcService.SERVICE_NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return IngestGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer server) {
    server.callHandler(IngestGrpcService.Publish, req -> {
      GrpcWireGuard.oversize(req, config.maxMessageBytes(), metrics);
      authenticated(req, caller -> publish(req, caller));
    });
    server.callHandler(IngestGrpcService.Stream, req -> {
      GrpcWireGuard.oversize(req, config.maxMessageBytes(), metrics);
      authenticated(req, caller -> {
        GrpcStream s = new GrpcStream(ctx, metrics, config, maxBatchEvents, req, caller);
        streams.add(s);
        s.whenClosed(() -> streams.remove(s));
        s.guarded(s::start);
      });
    });
  }

  /** Shutdown: every event in flight was settled while the gateway drained; end the open streams. */
  void goAway() {
    List.copyOf(streams).forEach(GrpcStream::goAway);
  }

  /**
   * Runs {@code then} with the call's caller (its metadata and connection); a call that is not let in
   * ends {@code UNAUTHENTICATED} here. The call is paused while the authenticator fetches.
   */
  private <Q, R> void authenticated(GrpcServerRequest<Q, R> req, java.util.function.Consumer<Caller> then) {
    Authenticated.then(ctx.auth().authenticate(req.headers(), req.connection()), req::pause, req::resume, then, e -> {
      metrics.rejected(e.failure());
      GrpcAnswers.fail(req.response(), e.failure(), e.getMessage(), List.of(), null);
    });
  }

  private void publish(GrpcServerRequest<PublishRequest, PublishResponse> req, Caller caller) {
    long started = System.nanoTime();
    GrpcIdempotency idem = GrpcIdempotency.of(idempotency, req, caller.tenant().name());
    if (idem != null && idem.malformed() != null) {
      refuse(req.response(), Failure.IDEMPOTENCY_KEY_MALFORMED, idem.malformed(), started, null);
      return;
    }
    boolean[] read = {false};
    req.handler(
        msg -> {
          if (!read[0]) { // a unary call has one request message
            read[0] = true;
            if (idem == null) {
              guarded(req, started, null, () -> onRequest(req, msg, started, null, caller));
            } else { // claimed once the message is known: its bytes are the fingerprint
              guarded(req, started, idem, () -> idem.claim(msg).onSuccess(verdict -> guarded(req, started, idem, () -> {
                switch (verdict) {
                  case IdempotencyGate.Proceed p -> onRequest(req, msg, started, idem, caller);
                  case IdempotencyGate.Replay r -> replay(req.response(), r, started);
                  case IdempotencyGate.Refuse f -> refuse(req.response(), f.failure(), f.message(), started, null);
                }
              })));
            }
          }
        });
    req.endHandler(
        v -> {
          if (!read[0]) {
            read[0] = true;
            refuse(req.response(), Failure.EMPTY_BODY, "the call carried no request message", started, null);
          }
        });
  }

  /**
   * Runs a step of a Publish call; an unexpected exception ends the call with INTERNAL (SLC-5999),
   * logged once, and lets the idempotency key go (a 5xx is not stored).
   */
  private void guarded(GrpcServerRequest<PublishRequest, PublishResponse> req, long started, GrpcIdempotency idem,
      Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.error("gRPC Publish: unexpected failure; ending the call with INTERNAL", e);
      refuse(req.response(), Failure.INTERNAL_ERROR, "unexpected server error", started, idem);
    }
  }

  private void replay(GrpcServerResponse<PublishRequest, PublishResponse> resp, IdempotencyGate.Replay r,
      long started) {
    boolean[] replayed = {false};
    if (!GrpcAnswers.safely(resp, () -> replayed[0] = GrpcIdempotency.replay(resp, r.answer()))) {
      metrics.answered(r.answer().status(), started); // the client is gone
    } else if (replayed[0]) {
      metrics.answered(r.answer().status(), started);
    } else {
      refuse(resp, Failure.IDEMPOTENCY_KEY_REUSED, "the key was used for another kind of request", started, null);
    }
  }

  private void onRequest(GrpcServerRequest<PublishRequest, PublishResponse> req, PublishRequest msg, long started,
      GrpcIdempotency idem, Caller caller) {
    GrpcServerResponse<PublishRequest, PublishResponse> resp = req.response();
    int n = msg.getEventsCount();
    if (ctx.state().draining()) {
      refuse(resp, Failure.SHUTTING_DOWN, "the gateway is shutting down; retry on another instance", started, idem);
    } else if (!ctx.state().acceptsEvents()) {
      refuse(resp, Failure.KAFKA_UNAVAILABLE, ctx.state().fallbackConfigured()
          ? "Kafka is unreachable and the spool does not answer; retry later" : "Kafka is unreachable; retry later",
          started, idem);
    } else if (n == 0) {
      refuse(resp, Failure.EMPTY_BODY, "the request holds no event", started, idem);
    } else if (n > maxBatchEvents) {
      refuse(resp, Failure.TOO_MANY_EVENTS,
          "more than " + maxBatchEvents + " events in one request (http.max-batch-events)", started, idem);
    } else {
      String cid = req.headers().get("x-correlation-id");
      GrpcEnvelopes.Read raw =
          GrpcEnvelopes.read(ctx.reader(), msg.getEventsList(), Ids.usable(cid) ? cid : Ids.random());
      TenantGate.Checked checked = ctx.tenants().permit(caller.tenant(), n == 1, raw.events(), raw.rejections(), null);
      GrpcEnvelopes.Read read = checked.events() == raw.events() ? raw
          : new GrpcEnvelopes.Read(raw.total(), checked.events(), checked.rejections(), raw.bytes());
      List<Event> events = read.events();
      if (events.isEmpty()) {
        answer(resp, msg, read, new Outcome[0], started, idem);
        return;
      }
      if (read.bytes() > ctx.inFlight().maxBytes()) { // would never fit: retrying cannot help
        refuse(resp, Failure.BODY_TOO_LARGE, "the events take " + read.bytes() + " bytes as envelopes, more than "
            + "limits.max-in-flight-bytes (" + ctx.inFlight().maxBytes() + "); send fewer events per request",
            started, idem);
        return;
      }
      if (!ctx.inFlight().tryAcquireEvents(events.size())) {
        refuse(resp, Failure.OVERLOADED, "too many events in flight (" + ctx.inFlight().events() + "); retry later",
            started, idem);
        return;
      }
      if (!ctx.inFlight().tryAcquireBytes(read.bytes())) {
        ctx.inFlight().releaseEvents(events.size());
        refuse(resp, Failure.OVERLOADED, "too much in flight (" + ctx.inFlight().bytes() + " bytes); retry later",
            started, idem);
        return;
      }
      // the quota last: a call refused for another reason is not charged to it
      Quotas.Verdict quota = ctx.tenants().take(caller.tenant(), events.size(), read.bytes());
      if (!quota.admitted()) {
        ctx.inFlight().releaseEvents(events.size());
        ctx.inFlight().releaseBytes(read.bytes());
        overQuota(resp, quota, caller, started, idem);
        return;
      }
      String traceparent = req.headers().get("traceparent");
      boolean[] released = {false};
      Runnable release = () -> {
        if (!released[0]) {
          released[0] = true;
          ctx.inFlight().releaseEvents(events.size());
          ctx.inFlight().releaseBytes(read.bytes());
        }
      };
      try {
        ctx.publish(events, Ids.validTraceparent(traceparent) ? traceparent : null)
            .onComplete(done -> {
              release.run();
              guarded(req, started, idem, () -> {
                if (done.failed()) {
                  throw new IllegalStateException("publishing failed", done.cause());
                }
                answer(resp, msg, read, done.result(), started, idem);
              });
            });
      } catch (RuntimeException e) {
        release.run();
        throw e;
      }
    }
  }

  /**
   * OK with a result per event when at least one was taken; else the status of the first failure (all
   * invalid: INVALID_ARGUMENT with every violation), the results in the details.
   */
  private void answer(GrpcServerResponse<PublishRequest, PublishResponse> resp, PublishRequest msg,
      GrpcEnvelopes.Read read, Outcome[] outcomes, long started, GrpcIdempotency idem) {
    int accepted = metrics.settled(read.rejections(), outcomes);
    List<EventResult> results = GrpcAnswers.results(msg.getEventsList(), read.events(), outcomes, read.rejections());
    int failed = read.events().size() - accepted;
    PublishResponse answer = PublishResponse.newBuilder().setAccepted(accepted)
        .setRejected(read.rejections().size()).setFailed(failed).addAllResults(results).build();
    if (accepted > 0) {
      if (idem == null) {
        GrpcAnswers.safely(resp, () -> resp.end(answer));
      } else {
        idem.settle(answer).onComplete(x -> GrpcAnswers.safely(resp, () -> resp.end(answer)));
      }
      metrics.answered(failed + read.rejections().size() == 0 ? 202 : 207, started);
      return;
    }
    Outcome first = null;
    for (Outcome o : outcomes) {
      if (!o.isAccepted()) {
        first = o;
        break;
      }
    }
    List<Violation> violations = GrpcAnswers.violations(read.rejections());
    if (first == null) { // every event refused by the reader: the first one's failure, as HTTP's single answer
      Failure f = read.rejections().get(0).failure();
      fail(resp, f, read.total() == 1 ? read.rejections().get(0).message()
          : "all " + read.total() + " events are invalid", violations, answer, idem);
      metrics.answered(f.httpStatus(), started);
    } else {
      fail(resp, first.failure(), first.message() == null ? "not taken" : first.message(), violations,
          answer, idem);
      metrics.answered(first.failure().httpStatus(), started);
    }
  }

  /** RESOURCE_EXHAUSTED (SLC-1429) with a RetryInfo detail; the key, if any, is let go (a 429 is not stored). */
  private void overQuota(GrpcServerResponse<?, ?> resp, Quotas.Verdict quota, Caller caller, long started,
      GrpcIdempotency idem) {
    Failure f = Failure.QUOTA_EXCEEDED;
    String message = quota.message(caller.tenant().name());
    RetryInfo retry = RetryInfo.newBuilder()
        .setRetryDelay(Duration.newBuilder().setSeconds(quota.retryAfterSeconds())).build();
    metrics.rejected(f);
    metrics.answered(f.httpStatus(), started);
    if (idem == null) {
      GrpcAnswers.fail(resp, f, message, List.of(), retry);
      return;
    }
    Status status = GrpcAnswers.fail(null, f, message, List.of(), retry);
    idem.settle(f.httpStatus(), status).onComplete(x -> GrpcAnswers.fail(resp, f, message, List.of(), retry));
  }

  private void refuse(GrpcServerResponse<?, ?> resp, Failure f, String message, long started, GrpcIdempotency idem) {
    metrics.rejected(f);
    fail(resp, f, message, List.of(), null, idem);
    metrics.answered(f.httpStatus(), started);
  }

  /** Ends the call with {@code f}; an idempotent call stores the status first (a 5xx lets the key go). */
  private static void fail(GrpcServerResponse<?, ?> resp, Failure f, String message, List<Violation> violations,
      PublishResponse extra, GrpcIdempotency idem) {
    if (idem == null) {
      GrpcAnswers.fail(resp, f, message, violations, extra);
      return;
    }
    Status status = GrpcAnswers.fail(null, f, message, violations, extra);
    idem.settle(f.httpStatus(), status).onComplete(x -> GrpcAnswers.fail(resp, f, message, violations, extra));
  }
}
