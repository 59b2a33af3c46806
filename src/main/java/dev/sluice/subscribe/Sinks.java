package dev.sluice.subscribe;

import dev.sluice.config.SubscriptionsConfig.SinkConfig;
import io.vertx.core.Vertx;

/** Makes the {@link Sink} a subscription's configuration names. */
public final class Sinks {

  private Sinks() {}

  /**
   * An {@link HttpSink} ({@code http}), a {@link GrpcSink} ({@code grpc}) or a {@link BusSink} ({@code
   * bus}); {@code concurrency} sizes the HTTP connection pool (the gRPC sink multiplexes its calls on
   * one HTTP/2 connection).
   */
  public static Sink create(Vertx vertx, SinkConfig config, int concurrency) {
    if (config.http() != null) {
      return new HttpSink(vertx, config.http(), concurrency);
    }
    if (config.grpc() != null) {
      return new GrpcSink(vertx, config.grpc(), concurrency);
    }
    return new BusSink(vertx, config.bus());
  }
}
