package dev.sluice.tools;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A standalone HTTP sink for subscriptions: takes every {@code POST} (any path) and answers 204 at once,
 * or as told ({@link SinkServerOptions}): a share of calls failed (500, or 503 with {@code
 * Retry-After}), a share never answered, poison events answered 400; and it can go down (its port
 * closed: connections refused) and come back on the same port. {@code GET /stats} answers the counts
 * ({@link SinkLedger.Stats}) as JSON. For the integration tests (in process), {@code scripts/dev} and
 * the benchmark (as a process, with wrk):
 *
 * <pre>java -cp target/sluice-*-app.jar dev.sluice.tools.SinkServer --port 9292 --fail-rate 0.05</pre>
 */
public final class SinkServer {

  private final Vertx vertx;
  private final SinkServerOptions options;
  private final SinkLedger ledger;
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private volatile int port;
  private boolean down;

  private SinkServer(Vertx vertx, SinkServerOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.ledger = new SinkLedger(options.record());
    // instances share a port only when it is given: with several, a random port is chosen here
    this.port = options.port() == 0 && options.instances() > 1 ? freePort() : options.port();
  }

  /** Starts listening on {@code options.instances()} event loops; completes once all do. */
  public static Future<SinkServer> start(Vertx vertx, SinkServerOptions options) {
    SinkServer s = new SinkServer(vertx, options);
    return s.listen().map(s);
  }

  /** The port it listens on (the same after {@link #setDown} up again). */
  public int port() {
    return port;
  }

  public SinkLedger.Stats stats() {
    return ledger.stats();
  }

  /** The deliveries in arrival order; empty unless {@link SinkServerOptions#record()}. */
  public List<SinkLedger.Delivery> deliveries() {
    return ledger.deliveries();
  }

  /**
   * Down: stops listening and closes every connection (a client then has its connection refused, and
   * a call in flight is reset). Up: listens again on the same port. Completes once done.
   */
  public synchronized Future<Void> setDown(boolean down) {
    if (down == this.down) {
      return Future.succeededFuture();
    }
    this.down = down;
    return down ? undeploy() : listen();
  }

  public synchronized Future<Void> close() {
    down = true;
    return undeploy();
  }

  private synchronized Future<Void> listen() {
    // one deployment, its instances on one port (Vert.x shares it)
    int at = port;
    Set<Integer> ports = ConcurrentHashMap.newKeySet();
    return vertx.deployVerticle(() -> new Listener(at, ports), new DeploymentOptions().setInstances(options.instances()))
        .compose(id -> {
          deployments.add(id);
          if (ports.size() != 1) {
            return undeploy().compose(v -> Future.failedFuture("the instances listen on several ports: " + ports));
          }
          port = ports.iterator().next();
          return Future.succeededFuture();
        });
  }

  private synchronized Future<Void> undeploy() {
    List<String> ids = List.copyOf(deployments);
    deployments.clear();
    List<Future<Void>> all = ids.stream().map(vertx::undeploy).toList();
    return Future.all(all).mapEmpty();
  }

  /** One event loop's HTTP server. */
  private final class Listener extends VerticleBase {
    private final int at;
    private final Set<Integer> ports;

    Listener(int at, Set<Integer> ports) {
      this.at = at;
      this.ports = ports;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(at))
          .requestHandler(SinkServer.this::handle)
          .listen()
          .onSuccess(server -> ports.add(server.actualPort()));
    }
  }

  private void handle(HttpServerRequest req) {
    if (req.method() == HttpMethod.GET && "/stats".equals(req.path())) {
      req.response().putHeader("Content-Type", "application/json").end(ledger.stats().toJson().encode());
      return;
    }
    if (req.method() != HttpMethod.POST) {
      req.response().setStatusCode(405).putHeader("Allow", "POST").end();
      return;
    }
    req.body().onSuccess(body -> answer(req, body)); // a failure: the connection is gone, nothing to answer
  }

  private void answer(HttpServerRequest req, Buffer body) {
    boolean parse = ledger.records() || options.poisonField() != null;
    JsonObject envelope = parse ? json(body) : null;
    JsonObject data = envelope == null ? null : envelope.getValue("data") instanceof JsonObject d ? d : null;
    int status;
    String why = null;
    if (data != null && options.poisonField() != null && Boolean.TRUE.equals(data.getValue(options.poisonField()))) {
      status = 400;
      why = "poison: data." + options.poisonField() + " is true";
    } else {
      double u = ThreadLocalRandom.current().nextDouble();
      if (u < options.timeoutRate()) {
        status = 0;
      } else if (u < options.timeoutRate() + options.failRate()) {
        status = options.retryAfterSeconds() != null ? 503 : 500;
        why = "told to fail (--fail-rate " + options.failRate() + ")";
      } else {
        status = 204;
      }
    }
    if (ledger.records()) {
      ledger.add(delivery(req, envelope, data, status));
    } else {
      ledger.count(status);
    }
    if (status == 0) {
      return; // held: the client gives up, and closes the connection
    }
    if (why == null) {
      req.response().setStatusCode(status).end();
      return;
    }
    if (status == 503) {
      req.response().putHeader("Retry-After", String.valueOf(options.retryAfterSeconds()));
    }
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("code", status == 400 ? "poison" : "failed").put("message", why).encode());
  }

  private SinkLedger.Delivery delivery(HttpServerRequest req, JsonObject envelope, JsonObject data, int status) {
    String eventId = req.getHeader("event-id");
    if (eventId == null) {
      eventId = req.getHeader("Idempotency-Key");
    }
    if (eventId == null && envelope != null && envelope.getValue("eventId") instanceof String id) {
      eventId = id;
    }
    String key = envelope != null && envelope.getValue("aggregateId") instanceof String a ? a : eventId;
    Long sequence = options.sequenceField() != null && data != null
        && data.getValue(options.sequenceField()) instanceof Number n ? n.longValue() : null;
    Map<String, String> headers = new LinkedHashMap<>();
    req.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    return new SinkLedger.Delivery(eventId, key, sequence, Map.copyOf(headers), status, Instant.now());
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  private static JsonObject json(Buffer body) {
    try {
      return body.toJsonObject();
    } catch (DecodeException | ClassCastException notAnObject) {
      return null;
    }
  }

  public static void main(String[] args) {
    SinkServerOptions options;
    try {
      options = SinkServerOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!"help".equals(e.getMessage())) {
        System.err.println("SinkServer: " + e.getMessage());
      }
      System.err.print(SinkServerOptions.USAGE);
      System.exit("help".equals(e.getMessage()) ? 0 : 2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    SinkServer sink;
    try {
      sink = start(vertx, options).await();
    } catch (RuntimeException e) {
      System.err.println("SinkServer: cannot start: " + e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sink.close().await(5, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException | RuntimeException e) {
        System.err.println("SinkServer: stop: " + e);
      }
    }, "sink-stop"));
    System.out.println("sink listening on " + sink.port());
    System.out.flush();
  }
}
