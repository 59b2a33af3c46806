package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.Idempotency.Claim;
import dev.sluice.store.Idempotency.InProgress;
import dev.sluice.store.Idempotency.Mismatch;
import dev.sluice.store.Idempotency.Owned;
import dev.sluice.store.Idempotency.Replay;
import dev.sluice.store.Idempotency.StoredAnswer;
import dev.sluice.testsupport.PostgresDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Idempotency-Key SQL against the real PostgreSQL: one owner among racing claims (from two pools,
 * as from two gateways), replay, mismatch, in progress, a lease that ran out taken over, expiry and the
 * sweep.
 */
class IdempotencyStoreIT {

  private static final long LEASE = 60_000;
  private static final long TTL = 3_600_000;
  private static final byte[] FP = "fingerprint-1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OTHER = "fingerprint-2".getBytes(StandardCharsets.UTF_8);

  private Vertx vertx;
  private String schema;
  private Store store;
  private Store second;
  private Idempotency keys;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    schema = PostgresDb.uniqueSchema();
    store = await(Store.open(vertx, PostgresDb.uri(), schema, 8));
    second = await(Store.open(vertx, PostgresDb.uri(), schema, 8));
    keys = new Idempotency(store);
  }

  @AfterEach
  void close() {
    await(store.close());
    await(second.close());
    await(vertx.close());
  }

  @Test
  void ofTwentyRacingClaimsFromTwoPoolsExactlyOneOwns() {
    Idempotency other = new Idempotency(second);
    for (int round = 0; round < 5; round++) {
      String key = "race-" + round;
      List<Future<Claim>> claims = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        claims.add((i % 2 == 0 ? keys : other).claim("s", key, FP, LEASE, TTL));
      }
      await(Future.join(claims));
      long owners = claims.stream().filter(f -> f.result() instanceof Owned).count();
      assertThat(owners).as("round %d", round).isEqualTo(1);
      assertThat(claims).allSatisfy(f -> assertThat(f.result()).isInstanceOfAny(Owned.class, InProgress.class));
    }
  }

  @Test
  void anAnswerIsReplayedForTheSameFingerprintOnly() {
    Owned owned = (Owned) await(keys.claim("s", "k", FP, LEASE, TTL));
    assertThat(await(keys.claim("s", "k", FP, LEASE, TTL))).isInstanceOf(InProgress.class);
    assertThat(await(keys.claim("s", "k", OTHER, LEASE, TTL))).as("in progress, other body").isInstanceOf(Mismatch.class);
    byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    assertThat(await(keys.complete(owned, new StoredAnswer(202, "application/json", body, Map.of("x-correlation-id", "c")))))
        .isTrue();
    Claim again = await(keys.claim("s", "k", FP, LEASE, TTL));
    assertThat(again).isInstanceOf(Replay.class);
    StoredAnswer a = ((Replay) again).answer();
    assertThat(a.status()).isEqualTo(202);
    assertThat(a.contentType()).isEqualTo("application/json");
    assertThat(a.body()).isEqualTo(body);
    assertThat(a.headers()).containsExactly(Map.entry("x-correlation-id", "c"));
    assertThat(await(keys.claim("s", "k", OTHER, LEASE, TTL))).isInstanceOf(Mismatch.class);
    assertThat(await(keys.claim("other-scope", "k", OTHER, LEASE, TTL))).as("scopes apart").isInstanceOf(Owned.class);
  }

  @Test
  void aKeyPastItsTtlIsNotTakenOverWhileItsFirstRequestIsStillBeingAnswered() {
    // a ttl shorter than the lease: the row expires while its owner still holds it
    Owned first = (Owned) await(keys.claim("s", "k", FP, LEASE, 1));
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
      Claim c = await(keys.claim("s", "k", OTHER, LEASE, TTL));
      assertThat(c).as("another request while the first is answered").isNotInstanceOf(Owned.class);
      return c instanceof InProgress || c instanceof Mismatch;
    });
    assertThat(await(keys.complete(first, new StoredAnswer(202, "application/json", new byte[] {'1'}, Map.of()))))
        .as("the first owner still holds its key").isTrue();
  }

  @Test
  void anAbandonedKeyIsFreeAgain() {
    Owned owned = (Owned) await(keys.claim("s", "k", FP, LEASE, TTL));
    await(keys.abandon(owned));
    assertThat(await(keys.claim("s", "k", OTHER, LEASE, TTL))).isInstanceOf(Owned.class);
  }

  @Test
  void aLeaseThatRanOutIsTakenOverAndItsFirstOwnerStoresNothing() {
    Owned first = (Owned) await(keys.claim("s", "k", FP, 300, TTL));
    Claim busy = await(keys.claim("s", "k", FP, LEASE, TTL));
    assertThat(busy).isInstanceOf(InProgress.class);
    assertThat(((InProgress) busy).leaseLeftMs()).isBetween(1L, 300L);
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> await(keys.claim("s", "k", FP, LEASE, TTL)) instanceof Owned);
    StoredAnswer late = new StoredAnswer(202, "application/json", new byte[] {'1'}, Map.of());
    assertThat(await(keys.complete(first, late))).as("the first owner lost its claim").isFalse();
    await(keys.abandon(first)); // does not touch the taker's row
    assertThat(await(keys.claim("s", "k", FP, LEASE, TTL))).isInstanceOf(InProgress.class);
  }

  @Test
  void anExpiredKeyIsNotReplayedAndTheSweepDeletesExpiredKeysInBatches() {
    for (String k : List.of("old1", "old2", "old3")) {
      Owned o = (Owned) await(keys.claim("s", k, FP, LEASE, 200));
      await(keys.complete(o, new StoredAnswer(202, "application/json", new byte[] {'1'}, Map.of())));
    }
    Owned fresh = (Owned) await(keys.claim("s", "new", FP, LEASE, TTL));
    await(keys.complete(fresh, new StoredAnswer(202, "application/json", new byte[] {'1'}, Map.of())));
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          try (PostgresDb db = new PostgresDb(schema)) {
            return db.scalar("SELECT count(*) FROM sluice_idempotency WHERE expires_at <= now()") == 3;
          }
        });
    assertThat(await(keys.sweep(2))).as("a full batch").isEqualTo(2);
    assertThat(await(keys.sweep(2))).isEqualTo(1);
    assertThat(await(keys.sweep(2))).isZero();
    assertThat(await(keys.claim("s", "new", FP, LEASE, TTL))).isInstanceOf(Replay.class);
    // expired before the sweep: not replayed, a new first request
    Owned o = (Owned) await(keys.claim("s", "soon", FP, LEASE, 100));
    await(keys.complete(o, new StoredAnswer(202, "application/json", new byte[] {'1'}, Map.of())));
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> await(keys.claim("s", "soon", OTHER, LEASE, TTL)) instanceof Owned);
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
