package dev.sluice.admin;

import static dev.sluice.admin.DlqFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.bus.Addresses;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.testsupport.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dead-letter tools on a real admin port, their index in the real PostgreSQL. */
class DlqApiIT {

  private DlqFixture fx;
  private final Http http = new Http(Duration.ofSeconds(30));

  @BeforeEach
  void open() {
    fx = new DlqFixture();
  }

  @AfterEach
  void close() {
    http.close();
    fx.close();
  }

  @Test
  void summaryNamesEveryConfiguredSubscriptionAndTheGaugesFollow() throws Exception {
    fx.put("s1", "a", "order.created", DeadLetter.CLASS_STATUS, 500);
    fx.put("s1", "b", "order.created", DeadLetter.CLASS_STATUS, 500);
    fx.start();
    JsonObject body = get("/admin/dlq", 200);
    JsonArray subs = body.getJsonArray("subscriptions");
    assertThat(subs.size()).isEqualTo(2);
    assertThat(subs.getJsonObject(0).getString("name")).isEqualTo("s1");
    assertThat(subs.getJsonObject(0).getLong("depth")).isEqualTo(2);
    assertThat(subs.getJsonObject(0).getDouble("oldestAgeSeconds")).isBetween(0.0, 60.0);
    assertThat(subs.getJsonObject(0).getString("target")).isEqualTo("kafka:s1.dlq");
    assertThat(subs.getJsonObject(1).getString("name")).isEqualTo("s2");
    assertThat(subs.getJsonObject(1).getLong("depth")).isZero();
    assertThat(subs.getJsonObject(1).getString("target")).isEqualTo("kafka:s2.dlq");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String metrics = http.get(fx.base.resolve("/metrics")).text();
      assertThat(metrics).contains("sluice_dlq_depth{subscription=\"s1\"} 2.0")
          .contains("sluice_dlq_depth{subscription=\"s2\"} 0.0")
          .contains("sluice_dlq_oldest_age_seconds{subscription=\"s1\"}");
    });
  }

  @Test
  void listsPagesAndFiltersAndShowsOneWhole() throws Exception {
    for (int i = 0; i < 5; i++) {
      fx.put("s1", "e" + i, i % 2 == 0 ? "order.created" : "order.paid",
          i < 4 ? DeadLetter.CLASS_STATUS : DeadLetter.CLASS_TIMEOUT, i < 4 ? 500 : null);
    }
    fx.start();
    List<String> seen = new ArrayList<>();
    String path = "/admin/dlq/s1?limit=2";
    int pages = 0;
    while (path != null) {
      JsonObject page = get(path, 200);
      page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("eventId")));
      String next = page.getString("next");
      path = next == null ? null : "/admin/dlq/s1?limit=2&cursor=" + next;
      pages++;
    }
    assertThat(seen).containsExactly("e0", "e1", "e2", "e3", "e4");
    assertThat(pages).isEqualTo(3);

    JsonObject item = get("/admin/dlq/s1?eventType=order.created&limit=1", 200).getJsonArray("items").getJsonObject(0);
    assertThat(item.getString("eventId")).isEqualTo("e0");
    assertThat(item.getString("key")).isEqualTo("/ms=");
    assertThat(item.getString("keyEncoding")).isEqualTo("base64");
    assertThat(item.getString("topic")).isEqualTo("orders");
    assertThat(item.getInteger("partition")).isEqualTo(1);
    assertThat(item.getLong("offset")).isEqualTo(7);
    assertThat(item.getString("recordTime")).isEqualTo("2026-11-29T08:00:00.123Z");
    assertThat(item.getInteger("attempts")).isEqualTo(1);
    assertThat(item.getString("failureClass")).isEqualTo("status");
    assertThat(item.getInteger("status")).isEqualTo(500);
    assertThat(item.getString("target")).isEqualTo("kafka:s1.dlq");
    assertThat(item.getString("deadAt")).isNotNull();
    assertThat(item.containsKey("value")).isFalse();

    assertThat(ids("/admin/dlq/s1?eventType=order.*")).containsExactly("e0", "e1", "e2", "e3", "e4");
    assertThat(ids("/admin/dlq/s1?eventType=order.paid")).containsExactly("e1", "e3");
    assertThat(ids("/admin/dlq/s1?failureClass=timeout")).containsExactly("e4");
    assertThat(ids("/admin/dlq/s1?status=500&eventType=order.created")).containsExactly("e0", "e2");
    String deadAt = get("/admin/dlq/s1/e2", 200).getString("deadAt");
    assertThat(ids("/admin/dlq/s1?from=" + enc(deadAt))).containsExactly("e2", "e3", "e4");
    assertThat(ids("/admin/dlq/s1?to=" + enc(deadAt))).containsExactly("e0", "e1");

    JsonObject whole = get("/admin/dlq/s1/e3", 200);
    assertThat(whole.getJsonObject("value")).isEqualTo(new JsonObject().put("id", "e3"));
    assertThat(whole.getJsonArray("headers").getJsonObject(0))
        .isEqualTo(new JsonObject().put("name", "event-id").put("value", "e3"));
    assertThat(whole.getString("response")).isEqualTo("no: e3");
  }

  @Test
  void unknownSubscriptionIs404AndABadParameterIs400NamingIt() throws Exception {
    fx.start();
    assertThat(get("/admin/dlq/nope", 404).getString("code")).isEqualTo("SLC-1201");
    assertThat(get("/admin/dlq/nope/e1", 404).getString("code")).isEqualTo("SLC-1201");
    assertThat(get("/admin/dlq/s1/e1", 404).getString("code")).isEqualTo("SLC-1203");
    for (String[] bad : new String[][] {{"limit=0", "limit"}, {"limit=x", "limit"}, {"from=yesterday", "from"},
        {"status=abc", "status"}, {"failureClass=boom", "failureClass"}, {"cursor=zzz", "cursor"},
        {"eventType=a..b", "eventType"}, {"colour=red", "colour"}}) {
      JsonObject e = get("/admin/dlq/s1?" + bad[0], 400);
      assertThat(e.getString("code")).as(bad[0]).isEqualTo("SLC-1202");
      assertThat(e.getString("parameter")).as(bad[0]).isEqualTo(bad[1]);
      assertThat(e.getString("message")).as(bad[0]).contains(bad[1]);
    }
    assertThat(send("POST", "/admin/dlq/s1/replay", "{\"ids\":[\"a\"],\"rate\":0}", 400).getString("parameter"))
        .isEqualTo("rate");
    assertThat(get("/admin/dlq/s1/replays/nope", 404).getString("code")).isEqualTo("SLC-1204");
  }

  @Test
  void purgesByIdsOrFilterOrAllAndNeverWithoutASelection() throws Exception {
    for (int i = 0; i < 6; i++) {
      fx.put("s1", "e" + i, i < 3 ? "order.created" : "order.paid", DeadLetter.CLASS_STATUS, 500);
    }
    fx.put("s2", "x", "order.created", DeadLetter.CLASS_STATUS, 500);
    fx.start();
    assertThat(send("DELETE", "/admin/dlq/s1", null, 400).getString("code")).isEqualTo("SLC-1202");
    assertThat(send("DELETE", "/admin/dlq/s1", "{}", 400).getString("code")).isEqualTo("SLC-1202");
    assertThat(send("DELETE", "/admin/dlq/s1", "{\"filter\":{}}", 400).getString("parameter")).isEqualTo("filter");
    assertThat(send("DELETE", "/admin/dlq/s1", "{\"ids\":[\"e0\",\"zz\"]}", 200).getLong("deleted")).isEqualTo(1);
    assertThat(send("DELETE", "/admin/dlq/s1", "{\"filter\":{\"eventType\":\"order.created\"}}", 200)
        .getLong("deleted")).isEqualTo(2);
    assertThat(send("DELETE", "/admin/dlq/s1?all=true", null, 200).getLong("deleted")).isEqualTo(3);
    assertThat(await(fx.dl.summary("s2")).depth()).isEqualTo(1);
  }

  @Test
  void replayDeletesWhatWasDeliveredAndKeepsWhatFailedAgain() throws Exception {
    for (int i = 0; i < 7; i++) {
      fx.put("s1", "e" + i, "order.created", DeadLetter.CLASS_STATUS, 500);
    }
    fx.put("s1", "other", "order.paid", DeadLetter.CLASS_STATUS, 500);
    Set<String> failAgain = Set.of("e2", "e5");
    List<String> received = new CopyOnWriteArrayList<>();
    fx.vertx.eventBus().<StoredDeadLetter>consumer(Addresses.replay("s1"), m -> {
      StoredDeadLetter d = m.body();
      received.add(d.eventId());
      if (failAgain.contains(d.eventId())) { // as the subscription does: a new failure replaces the row
        fx.dl.put(DlqFixture.letter("s1", d.eventId(), "order.created", DeadLetter.CLASS_TIMEOUT, null, 3))
            .onSuccess(v -> m.reply("dead-lettered"));
      } else {
        m.reply(d.eventId().equals("e6") ? "skipped" : "delivered");
      }
    });
    fx.start();
    JsonObject job = send("POST", "/admin/dlq/s1/replay", "{\"filter\":{\"eventType\":\"order.created\"},\"wait\":true}",
        200);
    assertThat(job.getString("status")).isEqualTo("done");
    assertThat(job.getLong("matched")).isEqualTo(7);
    assertThat(job.getLong("delivered")).isEqualTo(4);
    assertThat(job.getLong("skipped")).isEqualTo(1);
    assertThat(job.getLong("deadLetteredAgain")).isEqualTo(2);
    assertThat(job.getString("error")).isNull();
    assertThat(received).containsExactly("e0", "e1", "e2", "e3", "e4", "e5", "e6"); // each once, in order
    assertThat(ids("/admin/dlq/s1")).containsExactly("other", "e2", "e5");
    assertThat(get("/admin/dlq/s1/e5", 200).getString("failureClass")).isEqualTo("timeout");
    assertThat(get("/admin/dlq/s1/replays/" + job.getString("id"), 200)).isEqualTo(job);
  }

  @Test
  void replayRunsInTheBackgroundPacedAndFailsWhenNoSubscriptionAnswers() throws Exception {
    for (int i = 0; i < 6; i++) {
      fx.put("s1", "e" + i, "order.created", DeadLetter.CLASS_STATUS, 500);
      fx.put("s2", "e" + i, "order.created", DeadLetter.CLASS_STATUS, 500);
    }
    fx.vertx.eventBus().<StoredDeadLetter>consumer(Addresses.replay("s1"), m -> m.reply("delivered"));
    fx.start();
    long t0 = System.nanoTime();
    JsonObject started = send("POST", "/admin/dlq/s1/replay", "{\"ids\":[\"e1\",\"e2\",\"e3\",\"e4\",\"e5\"],\"rate\":10}",
        202);
    assertThat(started.getString("status")).isEqualTo("running");
    String path = "/admin/dlq/s1/replays/" + started.getString("id");
    await().atMost(Duration.ofSeconds(10)).until(() -> get(path, 200).getString("status").equals("done"));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400)); // 5 at 10/s
    assertThat(get(path, 200).getLong("delivered")).isEqualTo(5);
    assertThat(ids("/admin/dlq/s1")).containsExactly("e0");

    JsonObject failed = send("POST", "/admin/dlq/s2/replay", "{\"all\":true,\"wait\":true}", 200);
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error")).contains("e0");
    assertThat(failed.getLong("delivered")).isZero();
    assertThat(await(fx.dl.summary("s2")).depth()).isEqualTo(6);
  }

  @Test
  void withoutAReachablePostgresTheToolsAnswer503() throws Exception {
    // a store not migrated (PostgreSQL never reached), as a gateway starting while it is away has one
    dev.sluice.store.Store away = dev.sluice.store.Store.create(fx.vertx,
        "postgresql://sluice:x@127.0.0.1:" + dev.sluice.testsupport.Ports.free() + "/sluice", "public", 1);
    int port = dev.sluice.testsupport.Ports.free();
    await(fx.vertx.deployVerticle(new AdminVerticle(DlqFixture.adminConfig(port),
        new dev.sluice.bus.GatewayState(), new dev.sluice.bus.InFlight(10, 1000),
        new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT),
        new dev.sluice.store.DeadLetters(away), DlqFixture.config())));
    URI base = URI.create("http://127.0.0.1:" + port);
    for (String path : List.of("/admin/dlq", "/admin/dlq/s1", "/admin/dlq/s1/e1")) {
      Http.Reply r = http.get(base.resolve(path));
      assertThat(r.status()).as(path).isEqualTo(503);
      assertThat(r.json().getString("code")).isEqualTo("SLC-5010");
      assertThat(r.json().getString("message")).contains("not migrated");
    }
    assertThat(http.get(base.resolve("/admin/dlq/nope")).status()).isEqualTo(404);
  }

  private List<String> ids(String path) throws Exception {
    List<String> out = new ArrayList<>();
    get(path, 200).getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getString("eventId")));
    return out;
  }

  private JsonObject get(String path, int status) throws Exception {
    Http.Reply r = http.get(fx.base.resolve(path));
    assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(status);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    return r.json();
  }

  private JsonObject send(String method, String path, String body, int status) throws Exception {
    URI uri = fx.base.resolve(path);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    Http.Reply r = http.send(b.build());
    assertThat(r.status()).as(method + " " + path + ": " + r.text()).isEqualTo(status);
    return r.json();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
