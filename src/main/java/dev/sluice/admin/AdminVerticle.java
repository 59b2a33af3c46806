package dev.sluice.admin;

import dev.sluice.api.HttpRefusals;
import dev.sluice.api.OpenApiDocument;
import dev.sluice.bus.Failure;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.config.AdminConfig;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.store.DeadLetters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code /health/live}, {@code /health/ready} (Kafka reachable, the bridge's RabbitMQ links
 * connected and Kafka consumers polling when a bridge runs, and not shutting down; a Kafka consumer
 * that is down is named with the reason) and {@code
 * /metrics} (Prometheus text; the admin token unless open, {@link AdminGuard}), the dead-letter tools ({@code /admin/dlq}, {@link DlqApi}) and the OpenAPI
 * document ({@link OpenApiDocument}), on the admin port; other paths and methods get a JSON {@code 404}
 * or {@code 405} (with {@code Allow}).
 */
public final class AdminVerticle extends VerticleBase {

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final AdminConfig config;
  private final GatewayState state;
  private final InFlight inFlight;
  private final PrometheusMeterRegistry registry;
  private final DeadLetters deadLetters;
  private final SubscriptionsConfig subscriptions;
  private HttpServer server;
  private DlqApi dlq;

  public AdminVerticle(
      AdminConfig config, GatewayState state, InFlight inFlight, PrometheusMeterRegistry registry) {
    this(config, state, inFlight, registry, null, null);
  }

  /**
   * With the dead-letter tools ({@link DlqApi}) when {@code subscriptions} is not null; {@code
   * deadLetters} null (no PostgreSQL) makes them answer 503.
   */
  public AdminVerticle(AdminConfig config, GatewayState state, InFlight inFlight, PrometheusMeterRegistry registry,
      DeadLetters deadLetters, SubscriptionsConfig subscriptions) {
    this.config = config;
    this.state = state;
    this.inFlight = inFlight;
    this.registry = registry;
    this.deadLetters = deadLetters;
    this.subscriptions = subscriptions;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    AdminGuard guard = new AdminGuard(config);
    router.get("/metrics").handler(guard::metrics).handler(this::metrics);
    if (subscriptions != null) {
      router.routeWithRegex("/admin/dlq(/.*)?").handler(guard::deadLetters);
    }
    dlq = subscriptions == null ? null : new DlqApi(vertx, deadLetters, subscriptions, registry).mount(router);
    OpenApiDocument.mount(router);
    router.errorHandler(404, rc -> json(rc, 404, DlqJson.error(Failure.NOT_FOUND, "no such path: " + rc.request().path(),
        null)));
    // the router's own 400: an HTTP/1.1 request without Host
    router.errorHandler(400, rc -> json(rc, 400, DlqJson.error(Failure.BAD_HTTP_REQUEST,
        rc.failure() == null ? "bad request" : rc.failure().getMessage(), null)));
    router.errorHandler(405, rc -> {
      String allow = allowed(rc.request().path());
      rc.response().putHeader(HttpHeaders.ALLOW, allow);
      json(rc, 405, DlqJson.error(Failure.METHOD_NOT_ALLOWED, rc.request().method() + " is not allowed here; use "
          + allow, null));
    });
    HttpServerOptions options =
        config.tls().applyTo(new HttpServerOptions().setHost(config.host()).setPort(config.port()));
    return HttpRefusals.install(vertx.createHttpServer(options), options, router,
            (req, failure, message) -> DlqJson.error(failure, message, null).encode(), this::refused)
        .listen()
        .recover(
            err ->
                Future.failedFuture(
                    "cannot listen on " + config.host() + ":" + config.port() + " (admin.port): " + err.getMessage()))
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    if (dlq != null) {
      dlq.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Requests the HTTP stack refused (see {@link HttpRefusals}), by reason. */
  private void refused(Failure failure) {
    Counter.builder("sluice.admin.rejections")
        .description("Requests to the admin port refused by the HTTP stack, by reason")
        .tag("reason", failure.reason())
        .register(registry)
        .increment();
  }

  private void ready(RoutingContext rc) {
    boolean ready = state.ready();
    JsonObject checks =
        new JsonObject()
            .put("kafka", state.kafkaUp() ? "UP" : "DOWN")
            .put("spool", !state.fallbackConfigured() ? "OFF" : state.fallbackUp() ? "UP" : "DOWN")
            .put("shutdown", state.draining() ? "DRAINING" : "NO");
    // a missing topic refuses only its own events: listed, but readiness stays with the rest
    checks.put("topics", new JsonObject().put("missing", new io.vertx.core.json.JsonArray(state.missingTopics())));
    if (state.rabbitConfigured()) {
      checks.put("rabbitmq", state.rabbitUp() ? "UP" : "DOWN");
    }
    Map<String, String> sourcesDown = state.kafkaSourcesDown();
    if (state.kafkaSourcesConfigured()) {
      checks.put("bridge-kafka", sourcesDown.isEmpty() ? "UP" : "DOWN");
    }
    JsonObject body =
        new JsonObject()
            .put("status", ready ? "UP" : "DOWN")
            .put("checks", checks)
            .put("inFlight", new JsonObject().put("events", inFlight.events()).put("bytes", inFlight.bytes()));
    if (!sourcesDown.isEmpty()) {
      body.put("bridgeKafkaDown", new JsonObject(new java.util.LinkedHashMap<String, Object>(sourcesDown)));
    }
    String kafkaProblem = state.kafkaProblem();
    if (kafkaProblem != null) {
      body.put("reasons", new JsonObject().put("kafka", kafkaProblem));
    }
    json(rc, ready ? 200 : 503, body);
  }

  /** The methods a path of the admin port takes (it has a route, or the answer would be 404). */
  private static String allowed(String path) {
    if (path.matches("/admin/dlq/[^/]+")) {
      return "GET, DELETE";
    }
    return path.matches("/admin/dlq/[^/]+/replay") ? "POST" : "GET";
  }

  private void metrics(RoutingContext rc) {
    vertx
        .executeBlocking(registry::scrape, false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                rc.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
              } else {
                rc.fail(ar.cause());
              }
            });
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }
}
