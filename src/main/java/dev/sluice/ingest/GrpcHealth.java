package dev.sluice.ingest;

import com.google.protobuf.Descriptors;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.grpc.health.v1.HealthProto;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.util.function.BooleanSupplier;

/**
 * The standard health service ({@code grpc.health.v1.Health}: Check and Watch) whose status follows the
 * gateway's readiness, for the whole server ({@code ""}) and for {@code sluice.v1.Ingest}. Not
 * vertx-grpc-health's implementation: it answers SERVING for {@code ""} whatever its checks say. Its
 * messages and descriptor (for reflection) are vertx-grpc-health's.
 */
final class GrpcHealth implements Service {

  static final ServiceName NAME = ServiceName.create("grpc.health.v1.Health");
  static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> CHECK = ServiceMethod.server(
      NAME, "Check", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> WATCH = ServiceMethod.server(
      NAME, "Watch", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  private static final long WATCH_INTERVAL_MS = 1000;

  private final Vertx vertx;
  private final BooleanSupplier ready;

  GrpcHealth(Vertx vertx, BooleanSupplier ready) {
    this.vertx = vertx;
    this.ready = ready;
  }

  @Override
  public ServiceName name() {
    return NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return HealthProto.getDescriptor().findServiceByName("Health");
  }

  @Override
  public void bind(GrpcServer server) {
    server.callHandler(CHECK, req -> req.handler(msg -> {
      ServingStatus s = status(msg.getService());
      if (s == ServingStatus.SERVICE_UNKNOWN) {
        req.response().status(GrpcStatus.NOT_FOUND).statusMessage("unknown service " + msg.getService()).end();
      } else {
        req.response().end(HealthCheckResponse.newBuilder().setStatus(s).build());
      }
    }));
    server.callHandler(WATCH, req -> req.handler(msg -> watch(req, msg.getService())));
  }

  /** Sends the status now and whenever it changes (looked at every second) until the client leaves. */
  private void watch(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> req, String service) {
    ServingStatus[] last = {status(service)};
    req.response().write(HealthCheckResponse.newBuilder().setStatus(last[0]).build());
    long timer = vertx.setPeriodic(WATCH_INTERVAL_MS, id -> {
      ServingStatus now = status(service);
      if (now != last[0]) {
        last[0] = now;
        req.response().write(HealthCheckResponse.newBuilder().setStatus(now).build());
      }
    });
    req.errorHandler(err -> vertx.cancelTimer(timer));
    req.exceptionHandler(err -> vertx.cancelTimer(timer));
    req.response().exceptionHandler(err -> vertx.cancelTimer(timer));
  }

  private ServingStatus status(String service) {
    if (!service.isEmpty() && !service.equals(GrpcIngest.SERVICE)) {
      return ServingStatus.SERVICE_UNKNOWN;
    }
    return ready.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }
}
