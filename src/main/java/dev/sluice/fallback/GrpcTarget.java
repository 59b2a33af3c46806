package dev.sluice.fallback;

import com.google.protobuf.ByteString;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.GrpcTargetConfig;
import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import dev.sluice.grpc.v1.EventDeliveryGrpcClient;
import dev.sluice.grpc.v1.Result;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A synchronous gRPC fallback target: one {@code sluice.v1.EventDelivery/Deliver} call per {@link
 * #deliver} with the whole batch, over HTTP/2 (clear text, or TLS with ALPN) with a deadline (sent as
 * {@code grpc-timeout}; the call is cancelled when it passes, and a connection that is not up by then
 * counts as past it too). An {@code OK} result makes its event {@link Outcome#delivered delivered} by
 * this target; {@code RETRY}, no status, and every event of a call that fails (deadline, connection,
 * any gRPC status but OK, a response with another number of results) are retryable failures ({@link
 * Failure#KAFKA_UNAVAILABLE}: the next link of the chain takes them); {@code REJECT} is a failure for
 * good ({@link Failure#FALLBACK_REJECTED}). Never fails its future. Used from one event loop.
 */
public final class GrpcTarget implements FallbackTarget {

  /**
   * The largest answer taken (Vert.x's default is 256 KiB): a result per event of the largest batch,
   * each with a message. An answer cut off would lose the OKs in it, and the events would go on to the
   * next link although the target took them.
   */
  static final long MAX_RESPONSE_BYTES = 16L * 1024 * 1024;

  private final Vertx vertx;
  private final GrpcTargetConfig config;
  private final String name;
  private final String where;
  private final GrpcClient client;
  private final SocketAddress address;

  public GrpcTarget(Vertx vertx, GrpcTargetConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.name = config.target();
    this.where = config.host() + ":" + config.port();
    HttpClientOptions http = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false) // clear text: HTTP/2 with prior knowledge, as gRPC servers expect
        .setConnectTimeout(config.deadlineMs())
        .setSsl(config.tls())
        .setUseAlpn(config.tls());
    if (config.tls()) {
      http.setVerifyHost(true);
      if (config.trustPem() != null) {
        http.setTrustOptions(new PemTrustOptions().addCertPath(config.trustPem().toString()));
      }
    }
    this.client = GrpcClient.client(vertx, new GrpcClientOptions()
        .setScheduleDeadlineAutomatically(true)
        .setMaxMessageSize(MAX_RESPONSE_BYTES), http);
    this.address = SocketAddress.inetSocketAddress(config.port(), config.host());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Outcome[]> deliver(List<Event> events, String[] topics, String traceparent) {
    int n = events.size();
    if (n == 0) {
      return Future.succeededFuture(new Outcome[0]);
    }
    DeliverRequest request = request(events, topics, traceparent);
    long deadlineMs = config.deadlineMs();
    long started = System.nanoTime();
    Promise<Outcome[]> answered = Promise.promise();
    // the call's own deadline starts once the connection is up: this timer bounds the whole of it
    long timer = vertx.setTimer(deadlineMs, id -> answered.tryComplete(all(n, pastDeadline())));
    boolean[] connected = {false};
    client.request(address, EventDeliveryGrpcClient.Deliver)
        .compose(req -> {
          connected[0] = true;
          long left = deadlineMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          if (answered.future().isComplete() || left <= 0) {
            req.cancel(); // connected too late: the events are answered already, do not send them
            return Future.failedFuture(new CallFailed(GrpcStatus.DEADLINE_EXCEEDED, null));
          }
          req.timeout(left, TimeUnit.MILLISECONDS); // sent as grpc-timeout; cancelled when it passes
          return req.send(request);
        })
        .compose(resp -> resp.last().recover(err -> Future.failedFuture(
            resp.status() != null && resp.status() != GrpcStatus.OK
                ? new CallFailed(resp.status(), resp.statusMessage())
                : err)))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          answered.tryComplete(ar.succeeded()
              ? outcomes(ar.result(), topics)
              : all(n, callFailed(ar.cause(), connected[0], started)));
        });
    return answered.future();
  }

  /**
   * For the target's breaker: the call counts as a failure of the target when it did not take an event
   * for a reason that may pass (unreachable, deadline, a gRPC status, RETRY); a REJECT is the event's.
   */
  public static boolean targetFailed(Outcome[] outcomes) {
    for (Outcome o : outcomes) {
      if (o.failure() != null && o.failure().retryable()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  static DeliverRequest request(List<Event> events, String[] topics, String traceparent) {
    DeliverRequest.Builder b = DeliverRequest.newBuilder();
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      b.addEvents(dev.sluice.grpc.v1.Event.newBuilder()
          .setEventId(orEmpty(e.eventId()))
          .setEventType(orEmpty(e.eventType()))
          .setEventVersion(orEmpty(e.eventVersion()))
          .setTopic(orEmpty(topics[i]))
          .setKey(orEmpty(e.key()))
          .setCorrelationId(orEmpty(e.correlationId()))
          .setTraceparent(orEmpty(traceparent))
          .setTenant(orEmpty(e.tenant()))
          .setEnvelope(ByteString.copyFrom(e.value())));
    }
    return b.build();
  }

  /** One outcome per result, in request order; another number of results takes none of the events. */
  Outcome[] outcomes(DeliverResponse response, String[] topics) {
    int n = topics.length;
    if (response.getResultsCount() != n) {
      return all(n, Outcome.failed(Failure.KAFKA_UNAVAILABLE, name + " answered " + response.getResultsCount()
          + " results for " + n + " events; none of them counts as taken"));
    }
    Outcome[] out = new Outcome[n];
    for (int i = 0; i < n; i++) {
      Result r = response.getResults(i);
      String why = r.getMessage().isEmpty() ? "" : ": " + r.getMessage();
      out[i] = switch (r.getStatus()) {
        case OK -> Outcome.delivered(topics[i], name);
        case REJECT -> Outcome.failed(Failure.FALLBACK_REJECTED, name + " rejected the event" + why);
        case RETRY -> Outcome.failed(Failure.KAFKA_UNAVAILABLE, name + " cannot take the event now (RETRY)" + why);
        case STATUS_UNSPECIFIED, UNRECOGNIZED -> Outcome.failed(Failure.KAFKA_UNAVAILABLE,
            name + " answered no status for the event" + why);
      };
    }
    return out;
  }

  private Outcome callFailed(Throwable err, boolean connected, long started) {
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (err instanceof CallFailed f && f.status != GrpcStatus.DEADLINE_EXCEEDED) {
      return Outcome.failed(Failure.KAFKA_UNAVAILABLE, name + " answered " + f.status.name()
          + (f.getMessage() == null || f.getMessage().isEmpty() ? "" : ": " + f.getMessage()));
    }
    if (err instanceof CallFailed || tookMs >= config.deadlineMs()) {
      return pastDeadline();
    }
    String cause = err.getMessage() != null ? err.getMessage() : err.getClass().getSimpleName();
    return Outcome.failed(Failure.KAFKA_UNAVAILABLE, connected
        ? name + " (" + where + "): the call failed: " + cause
        : name + " (" + where + ") is not reachable: " + cause);
  }

  private Outcome pastDeadline() {
    return Outcome.failed(Failure.KAFKA_UNAVAILABLE, name + " did not answer within its deadline of "
        + config.deadlineMs() + " ms (DEADLINE_EXCEEDED); it may still have taken the event (eventId is the"
        + " dedup key)");
  }

  private static Outcome[] all(int n, Outcome o) {
    Outcome[] out = new Outcome[n];
    Arrays.fill(out, o);
    return out;
  }

  /** Protobuf strings are never null: an absent value is empty. */
  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** The server ended the call with a status other than OK. */
  private static final class CallFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient GrpcStatus status;

    CallFailed(GrpcStatus status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
