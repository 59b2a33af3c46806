package dev.sluice.ingest;

import dev.sluice.api.HttpRefusals;
import dev.sluice.api.OpenApiDocument;
import dev.sluice.auth.Authenticator;
import dev.sluice.quota.Tenancy;
import dev.sluice.auth.Caller;
import dev.sluice.bus.Failure;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.config.GrpcIngestConfig;
import dev.sluice.config.HttpConfig;
import dev.sluice.config.WebSocketConfig;
import dev.sluice.config.LimitsConfig;
import dev.sluice.schema.CloudEventReader;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.PayloadCheck;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.Handler;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingest listener: {@code POST /v1/events}, the WebSocket stream, gRPC ingest (requests with
 * an {@code application/grpc} content type, see {@link GrpcIngest}), the OpenAPI document ({@link
 * OpenApiDocument}), and JSON answers for every path and method it does not serve. Deployed once per
 * event loop; the instances share the port.
 */
public final class IngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(IngestVerticle.class);
  static final String EVENTS_PATH = "/v1/events";

  static final String STREAM_PATH = "/v1/stream";

  private final HttpConfig http;
  private final WebSocketConfig websocket;
  private final GrpcIngestConfig grpc;
  private GrpcIngest grpcIngest;
  private final StreamStats streamStats;
  private final Set<StreamSession> sessions = new HashSet<>();
  private IngestMetrics streamMetrics;
  private final LimitsConfig limits;
  private final GatewayState state;
  private final InFlight inFlight;
  private final MeterRegistry registry;
  private final long routeTimeoutMs;
  private final IdempotencyGate idempotency;
  private final PayloadCheck payloads;
  private final Authenticator auth;
  private final Tenancy tenancy;
  private IngestContext ctx;
  private HttpServer server;

  /**
   * @param routeTimeoutMs how long a request waits for its events' outcomes (past Kafka's delivery timeout)
   * @param idempotency Idempotency-Key on POST /v1/events (null: the header is ignored)
   * @param auth who may publish: asked for every request, WebSocket upgrade and gRPC call
   * @param tenancy what the callers' tenants may publish, and how much (the quotas are process-wide)
   */
  public IngestVerticle(
      HttpConfig http,
      WebSocketConfig websocket,
      GrpcIngestConfig grpc,
      StreamStats streamStats,
      LimitsConfig limits,
      GatewayState state,
      InFlight inFlight,
      MeterRegistry registry,
      long routeTimeoutMs,
      IdempotencyGate idempotency,
      PayloadCheck payloads,
      Authenticator auth,
      Tenancy tenancy) {
    this.tenancy = tenancy;
    this.http = http;
    this.auth = auth;
    this.websocket = websocket;
    this.grpc = grpc;
    this.streamStats = streamStats;
    this.limits = limits;
    this.state = state;
    this.inFlight = inFlight;
    this.registry = registry;
    this.routeTimeoutMs = routeTimeoutMs;
    this.idempotency = idempotency;
    this.payloads = payloads;
  }

  @Override
  public Future<?> start() {
    IngestMetrics metrics = new IngestMetrics(registry, "http");
    streamMetrics = new IngestMetrics(registry, "websocket");
    ctx =
        new IngestContext(
            vertx,
            state,
            inFlight,
            new EnvelopeReader(http.maxBatchEvents(), payloads),
            new CloudEventReader(http.maxBatchEvents(), payloads),
            payloads,
            metrics,
            vertx.eventBus(),
            new DeliveryOptions().setSendTimeout(routeTimeoutMs),
            http.maxBodyBytes(),
            http.bodyTimeoutMs(),
            Integer.toString(limits.retryAfterSeconds()),
            idempotency,
            auth,
            new TenantGate(tenancy));
    Handler<HttpServerRequest> grpcServer = null;
    if (grpc.enabled()) {
      grpcIngest = GrpcIngest.create(ctx, new IngestMetrics(registry, "grpc"), grpc, http.maxBatchEvents(),
          idempotency == null ? null : idempotency.forProtocol(registry, "grpc"));
      grpcServer = grpcIngest.server();
    }
    Handler<HttpServerRequest> grpcHandler = grpcServer;
    Router router = Router.router(vertx);
    router
        .route(HttpMethod.POST, EVENTS_PATH)
        .handler(rc -> {
          long started = System.nanoTime();
          authenticated(rc.request(), caller -> new EventsRequest(ctx, rc.request(), caller, started).start());
        });
    // upgrades to a stream are taken before the router: its wrapper of the WebSocket hides the Netty
    // channel that StreamInput reads from; a GET without an upgrade gets its 426 there
    router
        .route(HttpMethod.GET, STREAM_PATH)
        .handler(rc -> error(rc, Failure.UPGRADE_REQUIRED, STREAM_PATH + " is a WebSocket endpoint; send an upgrade request"));
    OpenApiDocument.mount(router);
    router.errorHandler(404, rc -> error(rc, Failure.NOT_FOUND, "no such path: " + rc.request().path()));
    // the router's own 400: an HTTP/1.1 request without Host
    router.errorHandler(400, rc -> error(rc, Failure.BAD_HTTP_REQUEST,
        rc.failure() == null ? "bad request" : rc.failure().getMessage()));
    router.errorHandler(
        405,
        rc -> {
          String allow = rc.request().path().equals(EVENTS_PATH) ? "POST" : "GET";
          rc.response().putHeader(HttpHeaders.ALLOW, allow);
          error(rc, Failure.METHOD_NOT_ALLOWED, rc.request().method() + " is not allowed here; use " + allow);
        });
    router.errorHandler(
        500,
        rc -> {
          LOG.error("Unexpected failure on {} {}", rc.request().method(), rc.request().path(), rc.failure());
          if (!rc.response().headWritten()) {
            rc.response()
                .setStatusCode(500)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end("{\"code\":\"SLC-5999\",\"message\":\"internal error\"}");
          }
        });
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(http.host())
            .setPort(http.port())
            .setIdleTimeout(http.idleTimeoutSeconds())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            .setMaxInitialLineLength(http.maxInitialLineBytes())
            .setMaxHeaderSize(http.maxHeaderBytes())
            .setMaxWebSocketMessageSize(websocket.maxMessageBytes())
            .setMaxWebSocketFrameSize(websocket.maxMessageBytes());
    http.tls().applyTo(options); // TLS 1.2/1.3 when http.tls.enabled; ALPN offers h2 (gRPC) and http/1.1
    return HttpRefusals.install(
            vertx.createHttpServer(options),
            options,
            req -> {
              if (grpcHandler != null && isGrpc(req)) {
                grpcHandler.handle(req);
              } else if (HttpMethod.GET.equals(req.method()) && STREAM_PATH.equals(req.path())
                  && req.canUpgradeToWebSocket()) {
                stream(req);
              } else {
                router.handle(req);
              }
            },
            (req, failure, message) -> {
              String requestId = Ids.random();
              req.response().putHeader(EventsRequest.X_REQUEST_ID, requestId);
              return Answer.error(failure, message, requestId).body();
            },
            ctx.metrics()::rejected)
        .listen()
        .recover(
            err ->
                Future.failedFuture(
                    "cannot listen on " + http.host() + ":" + http.port() + " (http.port): " + err.getMessage()))
        .onSuccess(s -> server = s);
  }

  /**
   * Graceful: streams get a going-away close (their events were settled while the gateway drained),
   * answers already being written are flushed, idle keep-alive connections are closed.
   */
  @Override
  public Future<?> stop() {
    List.copyOf(sessions).forEach(StreamSession::goAway);
    if (grpcIngest != null) {
      grpcIngest.goAway();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(2, TimeUnit.SECONDS);
  }

  /**
   * gRPC runs on HTTP/2 only: an {@code application/grpc} request over HTTP/1.1 (or gRPC-Web, which is
   * not served) goes to the router and gets its JSON 404 like any other unknown path.
   */
  private static boolean isGrpc(HttpServerRequest req) {
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    return req.version() == io.vertx.core.http.HttpVersion.HTTP_2
        && type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
        && !type.regionMatches(true, 0, "application/grpc-web", 0, 20);
  }

  private void stream(HttpServerRequest req) {
    if (state.draining()) {
      error(req, Failure.SHUTTING_DOWN, "the gateway is shutting down");
      return;
    }
    authenticated(req, caller -> upgrade(req, caller));
  }

  private void upgrade(HttpServerRequest req, Caller caller) {
    String cid = req.getHeader("x-correlation-id");
    String traceparent = req.getHeader("traceparent");
    req.toWebSocket()
        .onSuccess(
            ws -> {
              StreamSession session =
                  new StreamSession(
                      vertx,
                      ctx,
                      streamMetrics,
                      streamStats,
                      websocket,
                      ws,
                      Ids.usable(cid) ? cid : Ids.random(),
                      Ids.validTraceparent(traceparent) ? traceparent : null,
                      caller);
              sessions.add(session);
              session.whenClosed(() -> sessions.remove(session));
              session.start();
            });
  }

  /**
   * Runs {@code then} with the request's caller; a request that is not let in gets its 401 (or 403)
   * here. The request is paused while the authenticator fetches (a JWKS refresh) so that no body is lost.
   */
  private void authenticated(HttpServerRequest req, java.util.function.Consumer<Caller> then) {
    Authenticated.then(auth.authenticate(req.headers(), req.connection()), req::pause, req::resume, then, e -> {
      if (e.wwwAuthenticate() != null) {
        req.response().putHeader("WWW-Authenticate", e.wwwAuthenticate());
      }
      error(req, e.failure(), e.getMessage());
    });
  }

  private void error(RoutingContext rc, Failure failure, String message) {
    error(rc.request(), failure, message);
  }

  private void error(HttpServerRequest req, Failure failure, String message) {
    long started = System.nanoTime();
    String rid = req.getHeader(EventsRequest.X_REQUEST_ID);
    String requestId = Ids.usable(rid) ? rid : Ids.random();
    Answer a = Answer.error(failure, message, requestId);
    ctx.metrics().rejected(failure);
    req.response()
        .putHeader(EventsRequest.X_REQUEST_ID, requestId)
        .setStatusCode(a.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(a.body());
    ctx.metrics().answered(a.status(), started);
  }
}
