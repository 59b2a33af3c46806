package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.PostgresDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The idempotent consumer's and the retries' SQL against the real PostgreSQL: attempts counted across
 * calls (as across a restart), delivered ids recorded and seen, their attempts removed, and the sweep.
 */
class ProcessedIT {

  private Vertx vertx;
  private String schema;
  private Store store;
  private Processed processed;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    schema = PostgresDb.uniqueSchema();
    store = await(Store.open(vertx, PostgresDb.uri(), schema, 4));
    processed = new Processed(store);
  }

  @AfterEach
  void close() {
    await(store.close());
    await(vertx.close());
  }

  @Test
  void attemptsAreCountedPerSubscriptionAndEventAndSurviveANewStore() {
    assertThat(await(processed.failed("s", "e1")).count()).isEqualTo(1);
    Processed.Attempts second = await(processed.failed("s", "e1"));
    assertThat(second.count()).isEqualTo(2);
    assertThat(second.lastFailureMs()).isGreaterThanOrEqualTo(second.firstFailureMs());
    assertThat(await(processed.failed("other", "e1")).count()).as("another subscription").isEqualTo(1);
    // a restarted gateway (a new pool) reads the count
    Store again = await(Store.open(vertx, PostgresDb.uri(), schema, 2));
    Processed.Known known = await(new Processed(again).lookup("s", List.of("e1", "e2"), true));
    await(again.close());
    assertThat(known.attempts()).containsOnlyKeys("e1");
    assertThat(known.attempts().get("e1").count()).isEqualTo(2);
    assertThat(known.delivered()).isEmpty();
  }

  @Test
  void deliveredIdsAreSeenAndTheirAttemptsRemoved() {
    await(processed.failed("s", "e1"));
    await(processed.delivered("s", List.of("e1", "e2"), List.of("e1")));
    await(processed.delivered("s", List.of("e2"), List.of())); // again: no error, one row
    await(processed.failed("s", "e3"));
    await(processed.delivered("s", List.of(), List.of("e3"))); // not idempotent: its attempts only
    Processed.Known known = await(processed.lookup("s", List.of("e1", "e2", "e3"), true));
    assertThat(known.delivered()).containsExactlyInAnyOrder("e1", "e2");
    assertThat(known.attempts()).isEmpty();
    assertThat(await(processed.lookup("other", List.of("e1"), true)).delivered()).isEmpty();
    assertThat(await(processed.lookup("s", List.of("e1"), false)).delivered()).as("not asked").isEmpty();
  }

  @Test
  void theSweepDeletesOnlyExpiredRowsInBatches() {
    await(processed.delivered("s", List.of("old1", "old2", "old3", "new"), List.of()));
    try (PostgresDb db = new PostgresDb(schema)) {
      db.query("UPDATE sluice_processed SET done_at = now() - interval '2 hours' WHERE event_id LIKE 'old%'");
    }
    assertThat(await(processed.sweep(3_600_000, 2))).as("a full batch").isEqualTo(2);
    assertThat(await(processed.sweep(3_600_000, 2))).as("the rest").isEqualTo(1);
    assertThat(await(processed.sweep(3_600_000, 2))).isZero();
    assertThat(await(processed.lookup("s", List.of("old1", "old2", "old3", "new"), true)).delivered())
        .containsExactly("new");
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
