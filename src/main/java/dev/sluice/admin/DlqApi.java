package dev.sluice.admin;

import dev.sluice.bus.Failure;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.store.DeadLetters;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The dead-letter tools on the admin port: {@code /admin/dlq} (every subscription's depth and oldest
 * age), {@code /admin/dlq/{sub}} (GET: a page of metadata; DELETE: purge), {@code /admin/dlq/{sub}/{id}}
 * (one, whole), {@code POST /admin/dlq/{sub}/replay} and {@code /admin/dlq/{sub}/replays/{job}}; and the
 * {@code sluice_dlq_*} gauges. Handlers run on the admin verticle's event loop; replay jobs are kept in
 * memory (the last {@value #KEPT_JOBS}).
 */
public final class DlqApi {

  static final int KEPT_JOBS = 100;
  static final long METRICS_REFRESH_MS = 5_000;
  private static final int MAX_BODY_BYTES = 1 << 20;

  private final Vertx vertx;
  private final DeadLetters store;
  private final SubscriptionsConfig config;
  private final Map<String, SubscriptionsConfig.Subscription> subscriptions = new LinkedHashMap<>();
  private final DlqMetrics metrics;
  private final Map<String, ReplayJob> jobs = new LinkedHashMap<>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ReplayJob> eldest) {
      return size() > KEPT_JOBS;
    }
  };

  /**
   * @param store the dead-letter index, or null when no PostgreSQL is configured (every request is then
   *     answered {@code 503 SLC-5010})
   * @param config the subscriptions (names, dead-letter targets, replay rate and batch)
   */
  public DlqApi(Vertx vertx, DeadLetters store, SubscriptionsConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    config.subscriptions().forEach(s -> subscriptions.put(s.name(), s));
    this.metrics = store == null ? null : new DlqMetrics(vertx, store, subscriptions.keySet(), registry);
  }

  /** Mounts the routes on {@code router} and starts the gauges' refresh. */
  public DlqApi mount(Router router) {
    router.route("/admin/dlq/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES));
    router.get("/admin/dlq").handler(this::summary);
    router.get("/admin/dlq/:sub").handler(rc -> known(rc, this::list));
    router.delete("/admin/dlq/:sub").handler(rc -> known(rc, this::purge));
    router.post("/admin/dlq/:sub/replay").handler(rc -> known(rc, this::replay));
    router.get("/admin/dlq/:sub/replays/:job").handler(rc -> known(rc, this::job));
    router.get("/admin/dlq/:sub/:eventId").handler(rc -> known(rc, this::show));
    if (metrics != null) {
      metrics.start(METRICS_REFRESH_MS);
    }
    return this;
  }

  /** Stops the gauges' refresh. */
  public void close() {
    if (metrics != null) {
      metrics.stop();
    }
  }

  private void summary(RoutingContext rc) {
    if (!available(rc)) {
      return;
    }
    store.summary().onComplete(ar -> {
      if (ar.failed()) {
        failed(rc, ar.cause());
        return;
      }
      Map<String, DeadLetters.Summary> found = new LinkedHashMap<>();
      ar.result().forEach(s -> found.put(s.subscription(), s));
      JsonArray list = new JsonArray();
      subscriptions.values().forEach(s -> {
        DeadLetters.Summary sum = found.get(s.name());
        list.add(new JsonObject().put("name", s.name())
            .put("depth", sum == null ? 0 : sum.depth())
            .put("oldestAgeSeconds", sum == null ? 0 : Math.round(sum.oldestAgeSeconds() * 1000) / 1000.0)
            .put("target", s.deadLetterTarget()));
      });
      json(rc, 200, new JsonObject().put("subscriptions", list));
    });
  }

  private void list(RoutingContext rc, String sub) {
    DeadLetters.Filter f = DlqRequest.queryFilter(rc.queryParams());
    int limit = DlqRequest.limit(rc.queryParams());
    String cursor = rc.queryParams().get("cursor");
    store.list(sub, f, limit, cursor == null || cursor.isBlank() ? null : cursor).onComplete(ar -> {
      if (ar.failed()) {
        failed(rc, ar.cause());
        return;
      }
      JsonArray items = new JsonArray();
      ar.result().items().forEach(d -> items.add(DlqJson.item(d)));
      json(rc, 200, new JsonObject().put("items", items).put("next", ar.result().next()));
    });
  }

  private void show(RoutingContext rc, String sub) {
    String eventId = rc.pathParam("eventId");
    store.get(sub, eventId).onComplete(ar -> {
      if (ar.failed()) {
        failed(rc, ar.cause());
      } else if (ar.result().isEmpty()) {
        error(rc, Failure.DEAD_LETTER_NOT_FOUND, "no dead letter of " + sub + " has event id '" + eventId + "'", null);
      } else {
        json(rc, 200, DlqJson.whole(ar.result().get()));
      }
    });
  }

  private void purge(RoutingContext rc, String sub) {
    JsonObject body = body(rc);
    DlqRequest.Selection sel = DlqRequest.selection(body, "true".equals(rc.queryParams().get("all")));
    store.delete(sub, sel.filter()).onComplete(ar -> {
      if (ar.failed()) {
        failed(rc, ar.cause());
      } else {
        json(rc, 200, new JsonObject().put("deleted", ar.result()));
      }
    });
  }

  private void replay(RoutingContext rc, String sub) {
    JsonObject body = body(rc);
    DlqRequest.Selection sel = DlqRequest.selection(body, false);
    int rate = config.replayRate();
    Object r = body == null ? null : body.getValue("rate");
    if (r != null) {
      if (!(r instanceof Integer || r instanceof Long) || ((Number) r).longValue() < 1) {
        throw new DlqRequest.BadParameter("rate", "must be an integer >= 1 (events per second), got " + r);
      }
      rate = (int) Math.min(((Number) r).longValue(), config.replayRate());
    }
    Object w = body == null ? null : body.getValue("wait");
    if (w != null && !(w instanceof Boolean)) {
      throw new DlqRequest.BadParameter("wait", "must be a boolean");
    }
    String id = UUID.randomUUID().toString();
    ReplayJob job = new ReplayJob(vertx, store, id, sub, sel.filter(), rate, config.replayBatch());
    jobs.put(id, job);
    Future<JsonObject> ended = job.start();
    if (Boolean.TRUE.equals(w)) {
      ended.onComplete(ar -> json(rc, 200, ar.succeeded() ? ar.result() : job.json()));
    } else {
      json(rc, 202, new JsonObject().put("id", id).put("status", "running"));
    }
  }

  private void job(RoutingContext rc, String sub) {
    ReplayJob job = jobs.get(rc.pathParam("job"));
    if (job == null || !sub.equals(job.json().getString("subscription"))) {
      error(rc, Failure.UNKNOWN_REPLAY, "no replay of " + sub + " has id '" + rc.pathParam("job")
          + "' (the last " + KEPT_JOBS + " are kept, until a restart)", null);
    } else {
      json(rc, 200, job.json());
    }
  }

  /** Runs {@code handler} for a configured subscription with the index available; answers parameter errors. */
  private void known(RoutingContext rc, java.util.function.BiConsumer<RoutingContext, String> handler) {
    String sub = rc.pathParam("sub");
    if (!subscriptions.containsKey(sub)) {
      error(rc, Failure.UNKNOWN_SUBSCRIPTION, "no subscription is named '" + sub + "' (configured: "
          + String.join(", ", subscriptions.keySet()) + ")", null);
      return;
    }
    if (!available(rc)) {
      return;
    }
    try {
      handler.accept(rc, sub);
    } catch (DlqRequest.BadParameter e) {
      error(rc, Failure.BAD_PARAMETER, e.getMessage(), e.parameter);
    }
  }

  /** Whether the index can be asked; else answers 503. */
  private boolean available(RoutingContext rc) {
    if (store == null) {
      unavailable(rc, "no PostgreSQL is configured (store.uri)");
      return false;
    }
    if (!store.ready()) {
      unavailable(rc, "PostgreSQL has not been reached since the start (the schema is not migrated yet)");
      return false;
    }
    return true;
  }

  private static JsonObject body(RoutingContext rc) {
    if (rc.body() == null || rc.body().length() == 0) {
      return null;
    }
    try {
      return rc.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new DlqRequest.BadParameter("body", "must be a JSON object");
    }
  }

  private static void failed(RoutingContext rc, Throwable err) {
    if (err instanceof IllegalArgumentException) {
      error(rc, Failure.BAD_PARAMETER, "cursor: " + err.getMessage(), "cursor");
    } else {
      unavailable(rc, err.getMessage() != null ? err.getMessage() : err.toString());
    }
  }

  private static void unavailable(RoutingContext rc, String why) {
    error(rc, Failure.DEAD_LETTERS_UNAVAILABLE, "the dead-letter index is unavailable: " + why, null);
  }

  private static void error(RoutingContext rc, Failure f, String message, String parameter) {
    json(rc, f.httpStatus(), DlqJson.error(f, message, parameter));
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    if (!rc.response().ended()) {
      rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
    }
  }
}
