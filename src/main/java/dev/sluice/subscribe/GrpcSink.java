package dev.sluice.subscribe;

import com.google.protobuf.ByteString;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import dev.sluice.grpc.v1.Event;
import dev.sluice.grpc.v1.EventDeliveryGrpcClient;
import dev.sluice.grpc.v1.Result;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Delivers to a gRPC {@code sluice.v1.EventDelivery} service: one {@code Deliver} call per event (a
 * {@code DeliverRequest} with one {@code Event}: its metadata, the topic, and the envelope as read), over
 * HTTP/2 in clear text ({@code grpc://host:port}) or TLS with the JVM's trust ({@code grpcs://}), with
 * the delivery's timeout as the call's deadline ({@code grpc-timeout}; the whole call, connecting
 * included, is bounded by it).
 *
 * <p>Outcomes: the result {@code OK} is done (status 0); {@code RETRY} (or no status, or not exactly one
 * result) is retried and {@code REJECT} permanent, both with status 0 and the result's message. A call
 * ended with a gRPC status: {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED} (ambiguous), {@code
 * RESOURCE_EXHAUSTED}, {@code ABORTED}, {@code INTERNAL}, {@code UNKNOWN} and {@code CANCELLED} are
 * retried, every other status is permanent; the status is the code's number. No answer by the deadline:
 * a retry, ambiguous; not reachable: a retry as a connection failure (ambiguous when the connection was
 * lost with the call sent).
 */
public final class GrpcSink implements Sink {

  /** gRPC statuses that may pass: another attempt may succeed. */
  static final Set<GrpcStatus> TRANSIENT = EnumSet.of(GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED,
      GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.ABORTED, GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN,
      GrpcStatus.CANCELLED);

  private final Vertx vertx;
  private final String describe;
  private final GrpcClient client;
  private final SocketAddress address;

  public GrpcSink(Vertx vertx, URI uri, int concurrency) {
    this(vertx, uri, concurrency, null);
  }

  /** With {@code trust} instead of the JVM's (for {@code grpcs}), as tests need for a self-signed certificate. */
  GrpcSink(Vertx vertx, URI uri, int concurrency, TrustOptions trust) {
    this.vertx = vertx;
    this.describe = "grpc:" + uri.getHost() + ":" + uri.getPort();
    boolean tls = "grpcs".equalsIgnoreCase(uri.getScheme());
    HttpClientOptions http = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false) // clear text: HTTP/2 with prior knowledge, as gRPC servers expect
        .setHttp2MultiplexingLimit(Math.max(1, concurrency))
        .setSsl(tls)
        .setUseAlpn(tls)
        .setVerifyHost(tls);
    if (trust != null) {
      http.setTrustOptions(trust);
    }
    this.client = GrpcClient.client(vertx, new GrpcClientOptions().setScheduleDeadlineAutomatically(true), http);
    this.address = SocketAddress.inetSocketAddress(uri.getPort(), uri.getHost());
  }

  @Override
  public String describe() {
    return describe;
  }

  @Override
  public Future<SinkResult> deliver(SinkRequest r) {
    long deadlineMs = r.timeoutMs();
    long started = System.nanoTime();
    Promise<SinkResult> answered = Promise.promise();
    boolean[] connected = {false};
    // the call's own deadline starts once the connection is up: this timer bounds the whole of it
    long timer = vertx.setTimer(deadlineMs, id -> answered.tryComplete(pastDeadline(deadlineMs, connected[0])));
    client.request(address, EventDeliveryGrpcClient.Deliver)
        .compose(req -> {
          long left = deadlineMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          if (answered.future().isComplete() || left <= 0) {
            req.cancel(); // connected too late: answered already, not sent
            return Future.failedFuture(new CallFailed(GrpcStatus.DEADLINE_EXCEEDED, null));
          }
          connected[0] = true;
          req.timeout(left, TimeUnit.MILLISECONDS);
          return req.send(request(r));
        })
        .compose(resp -> resp.last().recover(err -> Future.failedFuture(
            resp.status() != null && resp.status() != GrpcStatus.OK
                ? new CallFailed(resp.status(), resp.statusMessage())
                : err)))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          answered.tryComplete(ar.succeeded() ? result(ar.result()) : failed(ar.cause(), connected[0], deadlineMs, started));
        });
    return answered.future();
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  static DeliverRequest request(SinkRequest r) {
    return DeliverRequest.newBuilder().addEvents(Event.newBuilder()
            .setEventId(orEmpty(r.eventId()))
            .setEventType(orEmpty(r.eventType()))
            .setEventVersion(orEmpty(r.eventVersion()))
            .setTopic(orEmpty(r.topic()))
            .setKey(orEmpty(r.key()))
            .setCorrelationId(orEmpty(r.correlationId()))
            .setTraceparent(orEmpty(r.traceparent()))
            .setEnvelope(ByteString.copyFrom(r.body())))
        .build();
  }

  private SinkResult result(DeliverResponse response) {
    if (response.getResultsCount() != 1) {
      return SinkResult.retry(DeadLetter.CLASS_STATUS, 0, describe + " answered " + response.getResultsCount()
          + " results for 1 event", 0, false);
    }
    Result result = response.getResults(0);
    return switch (result.getStatus()) {
      case OK -> SinkResult.done(0);
      case REJECT -> SinkResult.permanent(DeadLetter.CLASS_STATUS, 0, result.getMessage());
      case RETRY -> SinkResult.retry(DeadLetter.CLASS_STATUS, 0, result.getMessage(), 0, false);
      case STATUS_UNSPECIFIED, UNRECOGNIZED -> SinkResult.retry(DeadLetter.CLASS_STATUS, 0,
          describe + " answered no status for the event" + (result.getMessage().isEmpty() ? "" : ": "
              + result.getMessage()), 0, false);
    };
  }

  private SinkResult failed(Throwable err, boolean connected, long deadlineMs, long started) {
    boolean late = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) >= deadlineMs;
    if (err instanceof CallFailed f && f.status != GrpcStatus.DEADLINE_EXCEEDED) {
      String text = f.status.name() + (f.getMessage() == null || f.getMessage().isEmpty() ? "" : ": " + f.getMessage());
      return TRANSIENT.contains(f.status)
          ? SinkResult.retry(DeadLetter.CLASS_STATUS, f.status.code, text, 0, false)
          : SinkResult.permanent(DeadLetter.CLASS_STATUS, f.status.code, text);
    }
    if (err instanceof CallFailed f && !late && connected) {
      // the service ended the call with DEADLINE_EXCEEDED before ours passed (a deadline of its own)
      return SinkResult.retry(DeadLetter.CLASS_STATUS, f.status.code, f.status.name()
          + (f.getMessage() == null ? "" : ": " + f.getMessage()), 0, true);
    }
    if (err instanceof CallFailed || late) {
      return pastDeadline(deadlineMs, connected);
    }
    return connected
        ? SinkResult.retry(DeadLetter.CLASS_CONNECTION, null, describe + ": the call failed: "
            + HttpSink.message(err), 0, true)
        : SinkResult.retry(DeadLetter.CLASS_CONNECTION, null, describe + " is not reachable: "
            + HttpSink.message(err), 0, false);
  }

  private SinkResult pastDeadline(long deadlineMs, boolean sent) {
    return sent
        ? SinkResult.retry(DeadLetter.CLASS_TIMEOUT, null, describe + " did not answer within " + deadlineMs
            + " ms (DEADLINE_EXCEEDED); it may still have taken the event", 0, true)
        : SinkResult.retry(DeadLetter.CLASS_TIMEOUT, null, describe + " could not be reached within "
            + deadlineMs + " ms; the event was not sent", 0, false);
  }

  /** Protobuf strings are never null: an absent value is empty. */
  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** The service ended the call with a status other than OK. */
  private static final class CallFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient GrpcStatus status;

    CallFailed(GrpcStatus status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
