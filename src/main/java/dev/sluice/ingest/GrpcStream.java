package dev.sluice.ingest;

import dev.sluice.auth.Caller;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.quota.Quotas;
import dev.sluice.bus.Outcome;
import dev.sluice.config.GrpcIngestConfig;
import dev.sluice.grpc.v1.Ack;
import dev.sluice.grpc.v1.Hello;
import dev.sluice.grpc.v1.StreamError;
import dev.sluice.grpc.v1.StreamRequest;
import dev.sluice.grpc.v1.StreamResponse;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One {@code Ingest.Stream} call, confined to its connection's event loop: the WebSocket stream's
 * protocol over gRPC messages. The client may have at most {@code grpc.stream-credits} events
 * unsettled; every Ack gives back the credits of the message it settles; a message beyond the credits
 * is refused (SLC-1009) and, after {@code grpc.max-credit-violations}, the call ends with
 * RESOURCE_EXHAUSTED. The call is paused (HTTP/2 flow control) while the process's in-flight budget is
 * exhausted and while the client does not read its acks. Messages are published and acked in order.
 */
final class GrpcStream {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrpcStream.class);

  static final String PROTOCOL = "sluice.stream.v1";

  private static final int PAUSED_BUDGET = 1;
  private static final int PAUSED_WRITES = 2;
  private static final long BUDGET_RETRY_MS = 5;

  private final IngestContext ctx;
  private final IngestMetrics metrics;
  private final GrpcIngestConfig config;
  private final int maxBatchEvents;
  private final GrpcServerRequest<StreamRequest, StreamResponse> req;
  private final GrpcServerResponse<StreamRequest, StreamResponse> resp;
  private final String correlationId;
  private final String traceparent;
  private final ArrayDeque<Message> unsettled = new ArrayDeque<>();

  private int credits;
  private long messages;
  private int violations;
  private int pausedBy;
  private Message waiting;
  private boolean ended;
  private boolean closed;
  private Runnable onClosed = () -> {};

  /** A client message whose events are being published; settled when its outcomes are known. */
  private static final class Message {
    final long seq;
    final StreamRequest request;
    final GrpcEnvelopes.Read read;
    Outcome[] outcomes;

    Message(long seq, StreamRequest request, GrpcEnvelopes.Read read) {
      this.seq = seq;
      this.request = request;
      this.read = read;
    }
  }

  /** Who opened the call. */
  private final Caller caller;

  GrpcStream(IngestContext ctx, IngestMetrics metrics, GrpcIngestConfig config, int maxBatchEvents,
      GrpcServerRequest<StreamRequest, StreamResponse> req, Caller caller) {
    this.ctx = ctx;
    this.caller = caller;
    this.metrics = metrics;
    this.config = config;
    this.maxBatchEvents = maxBatchEvents;
    this.req = req;
    this.resp = req.response();
    String cid = req.headers().get("x-correlation-id");
    this.correlationId = Ids.usable(cid) ? cid : Ids.random();
    String tp = req.headers().get("traceparent");
    this.traceparent = Ids.validTraceparent(tp) ? tp : null;
    this.credits = config.streamCredits();
  }

  void whenClosed(Runnable action) {
    this.onClosed = action;
  }

  void start() {
    if (ctx.state().draining()) {
      closed = true;
      metrics.rejected(Failure.SHUTTING_DOWN);
      GrpcAnswers.fail(resp, Failure.SHUTTING_DOWN, "the gateway is shutting down", List.of(), null);
      onClosed.run();
      return;
    }
    req.handler(m -> guarded(() -> onMessage(m)));
    req.endHandler(v -> {
      ended = true;
      finishIfDone();
    });
    req.errorHandler(err -> onClosed());
    req.exceptionHandler(t -> onClosed());
    resp.exceptionHandler(t -> onClosed());
    resp.drainHandler(v -> unpause(PAUSED_WRITES));
    write(StreamResponse.newBuilder().setHello(Hello.newBuilder().setProtocol(PROTOCOL)
        .setCredits(config.streamCredits()).setMaxMessageBytes(config.maxMessageBytes())).build());
  }

  /** Shutdown: every event in flight has been settled by now (the gateway drained). */
  void goAway() {
    if (!closed) {
      GrpcAnswers.fail(resp, Failure.SHUTTING_DOWN, "the gateway is shutting down", List.of(), null);
      onClosed();
    }
  }

  /**
   * Runs a step of the call; an unexpected exception ends it with INTERNAL (SLC-5999), logged once,
   * and the stream leaves the gateway's set (budget taken by events in flight is given back when they
   * settle).
   */
  void guarded(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.error("gRPC Stream: unexpected failure; ending the call with INTERNAL", e);
      if (!closed) {
        metrics.rejected(Failure.INTERNAL_ERROR);
        GrpcAnswers.fail(resp, Failure.INTERNAL_ERROR, "unexpected server error", List.of(), null);
      }
      onClosed();
    }
  }

  private void onMessage(StreamRequest m) {
    if (closed) {
      return;
    }
    long seq = ++messages;
    int n = m.getEventsCount();
    if (ctx.state().draining()) {
      refuse(Failure.SHUTTING_DOWN, "the gateway is shutting down; reconnect to another instance", seq);
    } else if (n == 0) {
      refuse(Failure.EMPTY_BODY, "the message holds no event", seq);
    } else if (n > maxBatchEvents) {
      refuse(Failure.TOO_MANY_EVENTS, "more than " + maxBatchEvents + " events in one message (http.max-batch-events)",
          seq);
    } else if (n > credits) {
      if (++violations >= config.maxCreditViolations()) {
        metrics.rejected(Failure.CREDIT_EXCEEDED);
        GrpcAnswers.fail(resp, Failure.CREDIT_EXCEEDED, "sent beyond the granted credits " + violations + " times",
            List.of(), null);
        onClosed();
        return;
      }
      refuse(Failure.CREDIT_EXCEEDED,
          "message " + seq + " holds " + n + " events but " + credits + " credits are left; wait for acks", seq);
    } else {
      GrpcEnvelopes.Read raw = GrpcEnvelopes.read(ctx.reader(), m.getEventsList(), correlationId);
      if (raw.bytes() > ctx.inFlight().maxBytes()) { // would never fit: waiting for the budget cannot help
        refuse(Failure.BODY_TOO_LARGE, "message " + seq + " takes " + raw.bytes() + " bytes as envelopes, more than "
            + "limits.max-in-flight-bytes (" + ctx.inFlight().maxBytes() + "); send fewer events per message", seq);
        return;
      }
      TenantGate.Checked checked = ctx.tenants().permit(caller.tenant(), n == 1, raw.events(), raw.rejections(), null);
      GrpcEnvelopes.Read read = checked.events() == raw.events() ? raw
          : new GrpcEnvelopes.Read(raw.total(), checked.events(), checked.rejections(), raw.bytes());
      if (!read.events().isEmpty()) {
        Quotas.Verdict quota = ctx.tenants().take(caller.tenant(), read.events().size(), read.bytes());
        if (!quota.admitted()) { // the whole message, no credit taken; the call goes on
          metrics.rejected(Failure.QUOTA_EXCEEDED);
          write(StreamResponse.newBuilder().setError(StreamError.newBuilder().setMessage(seq)
              .setCode(Failure.QUOTA_EXCEEDED.id()).setText(quota.message(caller.tenant().name())).setRetryable(true)
              .setRetryAfterSeconds(quota.retryAfterSeconds())).build());
          return;
        }
      }
      credits -= n;
      Message msg = new Message(seq, m, read);
      unsettled.add(msg);
      if (msg.read.events().isEmpty()) {
        msg.outcomes = new Outcome[0];
        settle();
      } else if (!tryPublish(msg)) {
        waitForBudget(msg);
      }
    }
  }

  /** Publishes the message's events if the in-flight budget has room for them, else returns false. */
  private boolean tryPublish(Message msg) {
    List<Event> events = msg.read.events();
    int size = events.size();
    long bytes = msg.read.bytes();
    if (!ctx.inFlight().tryAcquireEvents(size)) {
      return false;
    }
    if (!ctx.inFlight().tryAcquireBytes(bytes)) {
      ctx.inFlight().releaseEvents(size);
      return false;
    }
    try {
      ctx.publish(events, traceparent)
          .onComplete(
              done -> {
                ctx.inFlight().releaseEvents(size);
                ctx.inFlight().releaseBytes(bytes);
                guarded(() -> {
                  if (done.failed()) {
                    throw new IllegalStateException("publishing failed", done.cause());
                  }
                  msg.outcomes = done.result();
                  settle();
                });
              });
    } catch (RuntimeException e) {
      ctx.inFlight().releaseEvents(size);
      ctx.inFlight().releaseBytes(bytes);
      throw e;
    }
    return true;
  }

  /** The process is at its bound: stop reading the call and try again shortly; later messages wait. */
  private void waitForBudget(Message msg) {
    waiting = msg;
    pause(PAUSED_BUDGET);
    ctx.vertx().setTimer(
        BUDGET_RETRY_MS,
        id -> guarded(() -> {
          Message w = waiting;
          waiting = null;
          if (w == null || closed) {
            unpause(PAUSED_BUDGET);
          } else if (ctx.state().draining()) { // no more waiting: the gateway is going away
            metrics.rejected(Failure.SHUTTING_DOWN);
            GrpcAnswers.fail(resp, Failure.SHUTTING_DOWN, "the gateway is shutting down; message " + w.seq
                + " and those after it were not taken", List.of(), null);
            onClosed();
          } else if (tryPublish(w)) {
            unpause(PAUSED_BUDGET);
          } else {
            waitForBudget(w);
          }
        }));
  }

  /** Sends the acks of the settled messages at the head, in the client's order. */
  private void settle() {
    while (!unsettled.isEmpty() && unsettled.peek().outcomes != null) {
      Message m = unsettled.poll();
      int accepted = metrics.settled(m.read.rejections(), m.outcomes);
      credits += m.read.total();
      write(StreamResponse.newBuilder().setAck(Ack.newBuilder().setMessage(m.seq).setCredits(m.read.total())
          .setAccepted(accepted).addAllResults(GrpcAnswers.results(m.request.getEventsList(), m.read.events(),
              m.outcomes, m.read.rejections()))).build());
    }
    finishIfDone();
  }

  /** The client half-closed and every message is acked: end the call with OK. */
  private void finishIfDone() {
    if (ended && unsettled.isEmpty() && waiting == null && !closed) {
      GrpcAnswers.safely(resp, resp::end);
      onClosed();
    }
  }

  private void refuse(Failure failure, String message, long seq) {
    metrics.rejected(failure);
    write(StreamResponse.newBuilder().setError(StreamError.newBuilder().setMessage(seq).setCode(failure.id())
        .setText(message).setRetryable(failure.retryable())).build());
  }

  private void write(StreamResponse r) {
    if (closed) {
      return;
    }
    if (!GrpcAnswers.safely(resp, () -> resp.write(r))) {
      onClosed(); // the client cancelled the call or the connection closed
      return;
    }
    if (resp.writeQueueFull()) {
      pause(PAUSED_WRITES); // the client is not reading: stop reading its messages until it does
    }
  }

  private void pause(int reason) {
    if (pausedBy == 0) {
      req.pause();
    }
    pausedBy |= reason;
  }

  private void unpause(int reason) {
    if ((pausedBy & reason) == 0) {
      return;
    }
    pausedBy &= ~reason;
    if (pausedBy == 0 && !closed) {
      req.resume();
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    // events still in flight settle in Kafka and release their budget; nobody is left to ack them
    waiting = null;
    unsettled.clear();
    onClosed.run();
  }
}
