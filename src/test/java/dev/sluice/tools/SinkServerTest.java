package dev.sluice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SubscriptionsConfig.SinkConfig;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.subscribe.Sink;
import dev.sluice.subscribe.SinkRequest;
import dev.sluice.subscribe.SinkResult;
import dev.sluice.subscribe.Sinks;
import dev.sluice.testsupport.Envelopes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sink server in process, called through Sluice's own HTTP sink. */
@ExtendWith(VertxExtension.class)
class SinkServerTest {

  @Test
  void answers204AtOnceAndCountsTheCalls(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0));
    Sink sink = sink(vertx, server);

    assertThat(deliver(sink, event("order-1", 1, false))).isEqualTo(SinkResult.done(204));
    assertThat(deliver(sink, event("order-1", 2, false))).isEqualTo(SinkResult.done(204));

    assertThat(server.stats()).isEqualTo(new SinkLedger.Stats(2, 2, 0, 0, 0, null, null, null));
    assertThat(server.deliveries()).isEmpty(); // not recording
    close(sink, server);
  }

  @Test
  void aFailRateOfOneFailsEveryCallWith500OrWith503AndRetryAfter(Vertx vertx) throws Exception {
    SinkServer plain = start(vertx, SinkServerOptions.defaults().port(0).failRate(1));
    SinkServer polite = start(vertx, SinkServerOptions.defaults().port(0).failRate(1).retryAfterSeconds(3));
    Sink toPlain = sink(vertx, plain);
    Sink toPolite = sink(vertx, polite);

    SinkResult r = deliver(toPlain, event("k", 1, false));
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.status()).isEqualTo(500);
    assertThat(new JsonObject(r.response()).getString("code")).isEqualTo("failed");
    SinkResult p = deliver(toPolite, event("k", 1, false));
    assertThat(p.status()).isEqualTo(503);
    assertThat(p.retryAfterMs()).isEqualTo(3000);
    assertThat(plain.stats().failed()).isEqualTo(1);
    close(toPlain, plain);
    close(toPolite, polite);
  }

  @Test
  void aFailRateFailsAboutThatShareOfCalls(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0).failRate(0.5));
    Sink sink = sink(vertx, server);
    for (int i = 0; i < 200; i++) {
      deliver(sink, event("k", i, false));
    }
    assertThat(server.stats().calls()).isEqualTo(200);
    assertThat(server.stats().failed()).isBetween(50L, 150L);
    assertThat(server.stats().ok()).isEqualTo(200 - server.stats().failed());
    close(sink, server);
  }

  @Test
  void aTimeoutRateOfOneNeverAnswersAndCountsTheCallAsProcessed(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0).timeoutRate(1).record(true));
    Sink sink = sink(vertx, server);
    SinkRequest e = event("k", 1, false);

    SinkResult r = sink.deliver(withTimeout(e, 500)).await(10, TimeUnit.SECONDS);
    assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_TIMEOUT);
    assertThat(r.ambiguous()).isTrue();
    sink.deliver(withTimeout(e, 500)).await(10, TimeUnit.SECONDS);

    assertThat(server.stats()).isEqualTo(new SinkLedger.Stats(2, 0, 0, 0, 2, 1L, 1L, 0L));
    close(sink, server);
  }

  @Test
  void aPoisonEventIsAnswered400AndOthersGoThrough(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0).poisonField("poison"));
    Sink sink = sink(vertx, server);

    SinkResult poison = deliver(sink, event("k", 1, true));
    assertThat(poison.kind()).isEqualTo(SinkResult.Kind.PERMANENT);
    assertThat(poison.status()).isEqualTo(400);
    assertThat(new JsonObject(poison.response()).getString("message")).contains("data.poison");
    assertThat(deliver(sink, event("k", 2, false)).done()).isTrue();
    assertThat(server.stats().poison()).isEqualTo(1);
    close(sink, server);
  }

  @Test
  void downRefusesConnectionsAndUpListensAgainOnTheSamePort(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0).instances(2));
    Sink sink = sink(vertx, server);
    int port = server.port();
    assertThat(deliver(sink, event("k", 1, false)).done()).isTrue();

    server.setDown(true).await(10, TimeUnit.SECONDS);
    SinkResult refused = deliver(sink, event("k", 2, false));
    assertThat(refused.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
    assertThat(refused.ambiguous()).isFalse();

    server.setDown(false).await(10, TimeUnit.SECONDS);
    assertThat(server.port()).isEqualTo(port);
    assertThat(deliver(sink, event("k", 3, false)).done()).isTrue();
    close(sink, server);
  }

  @Test
  void recordsEachDeliveryWithItsKeyAndHeadersAndCountsDuplicatesAndOrderViolations(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0).record(true).sequenceField("seq"));
    Sink sink = sink(vertx, server);
    SinkRequest a1 = event("a", 1, false);
    SinkRequest a2 = event("a", 2, false);
    SinkRequest b1 = event("b", 1, false);

    for (SinkRequest r : List.of(a1, b1, a2, a1, a2)) { // a1 again after a2: a duplicate out of order
      assertThat(deliver(sink, r).done()).isTrue();
    }

    assertThat(server.stats()).isEqualTo(new SinkLedger.Stats(5, 5, 0, 0, 0, 3L, 2L, 1L));
    List<SinkLedger.Delivery> seen = server.deliveries();
    assertThat(seen).extracting(SinkLedger.Delivery::eventId)
        .containsExactly(a1.eventId(), b1.eventId(), a2.eventId(), a1.eventId(), a2.eventId());
    assertThat(seen).extracting(SinkLedger.Delivery::key).containsExactly("a", "b", "a", "a", "a");
    assertThat(seen).extracting(SinkLedger.Delivery::sequence).containsExactly(1L, 1L, 2L, 1L, 2L);
    assertThat(seen.get(0).headers()).containsEntry("idempotency-key", a1.eventId())
        .containsEntry("event-type", "order.created").containsEntry("content-type", "application/json");
    assertThat(seen.get(0).status()).isEqualTo(204);
    close(sink, server);
  }

  @Test
  void getStatsAnswersTheCountsAsJson(Vertx vertx) throws Exception {
    SinkServer server = start(vertx, SinkServerOptions.defaults().port(0).record(true));
    Sink sink = sink(vertx, server);
    deliver(sink, event("k", 1, false));
    WebClient web = WebClient.create(vertx);

    JsonObject stats = web.get(server.port(), "127.0.0.1", "/stats").send().await(10, TimeUnit.SECONDS)
        .bodyAsJsonObject();

    assertThat(stats).isEqualTo(new JsonObject().put("calls", 1).put("ok", 1).put("failed", 0).put("poison", 0)
        .put("held", 0).put("distinctProcessed", 1).put("duplicates", 0).put("orderViolations", 0));
    web.close();
    close(sink, server);
  }

  // -- helpers

  private static SinkServer start(Vertx vertx, SinkServerOptions options) throws Exception {
    return SinkServer.start(vertx, options).await(10, TimeUnit.SECONDS);
  }

  private static Sink sink(Vertx vertx, SinkServer server) {
    return Sinks.create(vertx, new SinkConfig(URI.create("http://127.0.0.1:" + server.port() + "/in"), null, null), 4);
  }

  private static SinkResult deliver(Sink sink, SinkRequest r) throws Exception {
    return sink.deliver(r).await(10, TimeUnit.SECONDS);
  }

  private static void close(Sink sink, SinkServer server) throws Exception {
    sink.close().await(10, TimeUnit.SECONDS);
    server.close().await(10, TimeUnit.SECONDS);
  }

  private static SinkRequest event(String key, int seq, boolean poison) {
    String id = Envelopes.newId();
    String data = "{\"seq\":" + seq + (poison ? ",\"poison\":true" : "") + "}";
    byte[] body = Envelopes.envelope(id, "order.created", key, null, data).getBytes(StandardCharsets.UTF_8);
    return new SinkRequest(id, "order.created", "1", null, null, key, "orders", body, 2000);
  }

  private static SinkRequest withTimeout(SinkRequest r, long timeoutMs) {
    return new SinkRequest(r.eventId(), r.eventType(), r.eventVersion(), r.correlationId(), r.traceparent(), r.key(),
        r.topic(), r.body(), timeoutMs);
  }
}
