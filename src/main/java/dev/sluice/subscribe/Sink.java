package dev.sluice.subscribe;

import io.vertx.core.Future;

/**
 * Where a subscription delivers: an HTTP endpoint, a gRPC {@code EventDelivery} service or an event-bus
 * address. A delivery never fails its future: every outcome, also a timeout or a refused connection,
 * is a {@link SinkResult}. Used from the subscription's event loop.
 */
public interface Sink {

  /** How the log and metrics name it ({@code http://host:port/path}, {@code grpc:host:port}, {@code bus:addr}). */
  String describe();

  /** Delivers one event; completes within {@link SinkRequest#timeoutMs()} (plus a little). */
  Future<SinkResult> deliver(SinkRequest request);

  /** Releases its clients. */
  Future<Void> close();
}
