package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.envelope;
import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.PostgresDb;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway processes (the real jar, on their own ports) with one PostgreSQL share their
 * Idempotency-Keys: a key answered by one is replayed by the other, and one key sent to both at once
 * publishes once.
 */
class IdempotencySharedIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private final Http http = new Http(Duration.ofSeconds(60));

  @Test
  void twoGatewaysShareTheirKeys() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("idem-shared"), 3);
    String schema = PostgresDb.uniqueSchema();
    try (GatewayProcess a = GatewayProcess.start(config(topic, schema), GatewayProcess.options().name("idem-a"),
            http, Duration.ofSeconds(60));
        GatewayProcess b = GatewayProcess.start(config(topic, schema), GatewayProcess.options().name("idem-b"),
            http, Duration.ofSeconds(60))) {
      byte[] body = Envelopes.ndjson(List.of(envelope(newId(), "shared.a"), envelope(newId(), "shared.a")));
      String key = "shared-" + newId();
      Reply first = http.post(a.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key);
      assertThat(first.status()).as("%s", first).isEqualTo(202);
      Reply onB = http.post(b.eventsUri(), Http.NDJSON, body, "Idempotency-Key", key);
      assertThat(onB.status()).isEqualTo(202);
      assertThat(onB.header("idempotent-replayed")).isEqualTo("true");
      assertThat(onB.text()).isEqualTo(first.text());
      Reply otherBody = http.post(b.eventsUri(), Http.NDJSON,
          Envelopes.ndjson(List.of(envelope(newId(), "shared.a"))), "Idempotency-Key", key);
      assertThat(otherBody.status()).isEqualTo(422);
      assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(2);

      // one key sent to both gateways at once, ten times
      byte[] raced = Envelopes.ndjson(List.of(envelope(newId(), "shared.b")));
      String racedKey = "raced-" + newId();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(10);
      List<Future<Reply>> replies = new ArrayList<>();
      try {
        for (int i = 0; i < 10; i++) {
          URI uri = i % 2 == 0 ? a.eventsUri() : b.eventsUri();
          replies.add(pool.submit(() -> {
            go.await();
            return http.post(uri, Http.NDJSON, raced, "Idempotency-Key", racedKey);
          }));
        }
        go.countDown();
        int published = 0;
        for (Future<Reply> f : replies) {
          Reply r = f.get();
          assertThat(r.status()).as("%s", r).isIn(202, 409);
          if (r.status() == 202 && r.header("idempotent-replayed") == null) {
            published++;
          }
        }
        assertThat(published).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
      assertThat(KAFKA.endOffsetsSum(topic)).as("the raced key published once").isEqualTo(3);
    }
  }

  private static GatewayConfig config(String topic, String schema) {
    return GatewayConfig.forKafka(KAFKA.bootstrap())
        .route("#", topic)
        .set("store.uri", PostgresDb.uri())
        .set("store.schema", schema);
  }
}
