package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.TestGateway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idempotency-Key on {@code POST /v1/events} against a real Kafka and PostgreSQL, with clients that are
 * not Sluice's (java.net.http, raw sockets): a key publishes once, its retries get the first answer
 * marked {@code Idempotent-Replayed: true}, another body gets 422, a key in progress 409, a malformed
 * key 400; a request without a key touches no table.
 */
class IdempotencyIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static String topic;
  private static String schema;
  private static Http http;
  private static TestGateway gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("idem"), 3);
    schema = PostgresDb.uniqueSchema();
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("store.uri", PostgresDb.uri())
        .set("store.schema", schema), http);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @Test
  void sequentialRetriesWithOneKeyPublishOnceAndReplayTheFirstAnswer() throws Exception {
    String key = "k-" + newId();
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "idem.a"), envelope(newId(), "idem.a")));
    long before = KAFKA.endOffsetsSum(topic);

    Reply first = post(body, "Idempotency-Key", '"' + key + '"', "X-Correlation-Id", "first-corr");
    assertThat(first.status()).as("%s", first).isEqualTo(202);
    assertThat(first.header("idempotent-replayed")).isNull();
    for (int i = 0; i < 3; i++) {
      Reply retry = post(body, "Idempotency-Key", '"' + key + '"', "X-Correlation-Id", "retry-" + i);
      assertThat(retry.status()).as("%s", retry).isEqualTo(202);
      assertThat(retry.text()).isEqualTo(first.text());
      assertThat(retry.header("idempotent-replayed")).isEqualTo("true");
      assertThat(retry.header("content-type")).isEqualTo("application/json");
      assertThat(retry.header("x-correlation-id")).as("the events carry the first one's").isEqualTo("first-corr");
    }
    // a bare token names the same key as the sf-string
    Reply bare = post(body, "Idempotency-Key", key);
    assertThat(bare.status()).isEqualTo(202);
    assertThat(bare.header("idempotent-replayed")).isEqualTo("true");
    assertThat(KAFKA.endOffsetsSum(topic) - before).as("published once").isEqualTo(2);
  }

  @Test
  void tenConcurrentRequestsWithOneKeyPublishOnce() throws Exception {
    String key = "c-" + newId();
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "idem.c")));
    long before = KAFKA.endOffsetsSum(topic);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(10);
    List<Future<Reply>> replies = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        boolean raw = i % 2 == 0;
        Callable<Reply> call = () -> {
          go.await();
          return raw ? RawHttp.post(gateway.eventsUri().getPort(), body, "Idempotency-Key: " + key)
              : post(body, "Idempotency-Key", key);
        };
        replies.add(pool.submit(call));
      }
      go.countDown();
      int published = 0;
      for (Future<Reply> f : replies) {
        Reply r = f.get();
        if (r.status() == 409) {
          assertThat(r.json().getString("code")).isEqualTo("SLC-1017");
          assertThat(r.header("retry-after")).isNotNull();
        } else {
          assertThat(r.status()).as("%s", r).isEqualTo(202);
          if (r.header("idempotent-replayed") == null) {
            published++;
          }
        }
      }
      assertThat(published).as("one request was not a replay nor refused").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(KAFKA.endOffsetsSum(topic) - before).as("published once").isEqualTo(1);
    Reply after = post(body, "Idempotency-Key", key);
    assertThat(after.header("idempotent-replayed")).isEqualTo("true");
  }

  @Test
  void theSameKeyWithAnotherBodyIs422AndPublishesNothing() throws Exception {
    String key = "m-" + newId();
    assertThat(post(Envelopes.ndjson(List.of(envelope(newId(), "idem.m"))), "Idempotency-Key", key).status())
        .isEqualTo(202);
    long before = KAFKA.endOffsetsSum(topic);
    Reply other = post(Envelopes.ndjson(List.of(envelope(newId(), "idem.m"))), "Idempotency-Key", key);
    assertThat(other.status()).as("%s", other).isEqualTo(422);
    assertThat(other.json().getString("code")).isEqualTo("SLC-1016");
    assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(before);
  }

  @Test
  void malformedKeysAre400BeforeTheBodyIsRead() throws Exception {
    int port = gateway.eventsUri().getPort();
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "idem.bad")));
    long before = KAFKA.endOffsetsSum(topic);
    List<String> bad = List.of("Idempotency-Key: ", "Idempotency-Key: \"\"", "Idempotency-Key: \"abc",
        "Idempotency-Key: " + "x".repeat(256), "Idempotency-Key: \"a\\zb\"", "Idempotency-Key: \"a\tb\"",
        "Idempotency-Key: \"abc\", \"def\"", "Idempotency-Key: abc;x=1 y", "Idempotency-Key: caf\u00e9");
    for (String header : bad) {
      Reply r = RawHttp.post(port, body, header);
      assertThat(r.status()).as("%s -> %s", header, r).isEqualTo(400);
      assertThat(r.text()).as("%s -> %s", header, r.headers().map()).contains("SLC-1015");
    }
    // a control character: the HTTP layer refuses the header line itself (RFC 9110 section 5.5)
    assertThat(RawHttp.post(port, body, "Idempotency-Key: a\u0001b").status()).isEqualTo(400);
    // two keys
    assertThat(RawHttp.post(port, body, "Idempotency-Key: a", "Idempotency-Key: b").text()).contains("SLC-1015");
    assertThat(post(body, "Idempotency-Key", "x".repeat(255)).status()).as("255 characters").isEqualTo(202);
    assertThat(KAFKA.endOffsetsSum(topic) - before).as("only the good key published").isEqualTo(1);
  }

  @Test
  void aRefusedBodyIsStoredAndReplayed() throws Exception {
    String key = "r-" + newId();
    byte[] broken = "{\"eventId\": ".getBytes(StandardCharsets.UTF_8);
    Reply first = post(broken, "Idempotency-Key", key);
    assertThat(first.status()).as("%s", first).isEqualTo(400);
    Reply again = post(broken, "Idempotency-Key", key);
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.header("idempotent-replayed")).isEqualTo("true");
    assertThat(again.text()).isEqualTo(first.text());
  }

  @Test
  void aKeyInProgressIs409AndALeaseThatRanOutIsTakenOver() throws Exception {
    String key = "p-" + newId();
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "idem.p")));
    assertThat(post(body, "Idempotency-Key", key).status()).isEqualTo(202);
    long before = KAFKA.endOffsetsSum(topic);
    try (PostgresDb db = new PostgresDb(schema)) {
      // as if a gateway were answering it now
      db.query("UPDATE sluice_idempotency SET state = 'in_progress', lease_until = now() + interval '1 hour'"
          + " WHERE key = '" + key + "'");
      Reply busy = post(body, "Idempotency-Key", key);
      assertThat(busy.status()).as("%s", busy).isEqualTo(409);
      assertThat(busy.json().getString("code")).isEqualTo("SLC-1017");
      assertThat(busy.header("retry-after")).isEqualTo("1");
      // as if that gateway died: its lease ran out
      db.query("UPDATE sluice_idempotency SET lease_until = now() - interval '1 second' WHERE key = '" + key + "'");
      Reply taken = post(body, "Idempotency-Key", key);
      assertThat(taken.status()).as("%s", taken).isEqualTo(202);
      assertThat(taken.header("idempotent-replayed")).isNull();
      assertThat(db.query("SELECT state FROM sluice_idempotency WHERE key = '" + key + "'").get(0).getString(0))
          .isEqualTo("done");
    }
    assertThat(KAFKA.endOffsetsSum(topic) - before).as("the taker published").isEqualTo(1);
  }

  @Test
  void anExpiredKeyIsNotReplayedEvenBeforeTheSweep() throws Exception {
    String key = "e-" + newId();
    byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "idem.e")));
    assertThat(post(body, "Idempotency-Key", key).status()).isEqualTo(202);
    long before = KAFKA.endOffsetsSum(topic);
    try (PostgresDb db = new PostgresDb(schema)) {
      db.query("UPDATE sluice_idempotency SET expires_at = now() - interval '1 second' WHERE key = '" + key + "'");
    }
    Reply again = post(body, "Idempotency-Key", key);
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.header("idempotent-replayed")).as("expired: a new first request").isNull();
    assertThat(KAFKA.endOffsetsSum(topic) - before).isEqualTo(1);
  }

  @Test
  void requestsWithoutAKeyAreAnsweredAsBeforeAndCountNoClaim() throws Exception {
    double claims = metrics().sum("sluice_idempotency_claims_total");
    Reply r = post(Envelopes.ndjson(List.of(envelope(newId(), "idem.n"))));
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.header("idempotent-replayed")).isNull();
    assertThat(metrics().sum("sluice_idempotency_claims_total")).isEqualTo(claims);
    String key = "n-" + newId();
    post(Envelopes.ndjson(List.of(envelope(newId(), "idem.n"))), "Idempotency-Key", key);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
        metrics().sum("sluice_idempotency_claims_total", Map.of("outcome", "owned")) >= 1);
  }

  private static Metrics metrics() throws Exception {
    return Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
  }

  private static Reply post(byte[] body, String... headers) throws Exception {
    return http.post(gateway.eventsUri(), Http.NDJSON, body, headers);
  }
}
