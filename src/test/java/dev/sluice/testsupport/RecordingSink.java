package dev.sluice.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP sink on a real port for subscription tests: it answers 204, or — at random, at the rates set
 * — 500, or takes the event and answers only after {@code lateMs} (past the subscription's timeout: an
 * ambiguous outcome, the event was taken); an event whose {@code data.poison} is true gets 400 while
 * {@link #rejectPoison} is on. It can go down (its port closed: connections refused) and come back on
 * the same port. It records every event it took (answered 2xx, or taken late) in arrival order.
 */
public final class RecordingSink implements AutoCloseable {

  /** An event the sink took: its id, its key ({@code aggregateId}), its {@code data.seq}, and the request's headers. */
  public record Taken(String eventId, String key, long seq, Map<String, String> headers) {}

  private final Vertx vertx = Vertx.vertx();
  private final int port;
  private volatile double failRate;
  private volatile double lateRate;
  private volatile long lateMs = 2000;
  private volatile boolean rejectPoison = true;
  private HttpServer server;
  private final List<Taken> taken = new ArrayList<>();
  private final Set<String> ids = new HashSet<>();
  private long duplicates;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();

  public RecordingSink() throws Exception {
    this.port = Ports.free();
    up();
  }

  public RecordingSink failRate(double rate) {
    this.failRate = rate;
    return this;
  }

  public RecordingSink lateRate(double rate, long lateMs) {
    this.lateRate = rate;
    this.lateMs = lateMs;
    return this;
  }

  public RecordingSink rejectPoison(boolean reject) {
    this.rejectPoison = reject;
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + port + "/events";
  }

  /** Listens again on its port. */
  public void up() throws Exception {
    server = vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1"))
        .requestHandler(this::handle).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Closes its port: connections are refused until {@link #up}. */
  public void down() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      calls.incrementAndGet();
      JsonObject env = body.toJsonObject();
      JsonObject data = env.getJsonObject("data", new JsonObject());
      if (rejectPoison && data.getBoolean("poison", false)) {
        rejected.incrementAndGet();
        req.response().setStatusCode(400).end("{\"error\":\"poison event " + env.getString("eventId") + "\"}");
        return;
      }
      double r = ThreadLocalRandom.current().nextDouble();
      if (r < failRate) {
        req.response().setStatusCode(500).end("{\"error\":\"random failure\"}");
        return;
      }
      Map<String, String> headers = new HashMap<>();
      req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
      take(new Taken(env.getString("eventId"), env.getString("aggregateId"), data.getLong("seq", -1L), headers));
      if (r < failRate + lateRate) {
        vertx.setTimer(lateMs, id -> req.response().setStatusCode(204).end());
      } else {
        req.response().setStatusCode(204).end();
      }
    });
  }

  private synchronized void take(Taken t) {
    taken.add(t);
    if (!ids.add(t.eventId())) {
      duplicates++;
    }
  }

  public synchronized List<Taken> taken() {
    return new ArrayList<>(taken);
  }

  public synchronized Set<String> ids() {
    return new HashSet<>(ids);
  }

  public synchronized long duplicates() {
    return duplicates;
  }

  public long calls() {
    return calls.get();
  }

  public long rejected() {
    return rejected.get();
  }

  /** Keys whose events were first taken out of {@code seq} order, with the first offending pair. */
  public synchronized Map<String, String> outOfOrder() {
    Map<String, Long> last = new HashMap<>();
    Set<String> seen = new HashSet<>();
    Map<String, String> bad = new HashMap<>();
    for (Taken t : taken) {
      if (!seen.add(t.eventId())) {
        continue; // a duplicate: its first delivery is what counts
      }
      Long prev = last.put(t.key(), t.seq());
      if (prev != null && prev > t.seq() && !bad.containsKey(t.key())) {
        bad.put(t.key(), prev + " then " + t.seq());
      }
    }
    return bad;
  }

  @Override
  public void close() {
    vertx.close();
  }
}
