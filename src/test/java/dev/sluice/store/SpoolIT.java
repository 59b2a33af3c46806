package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.testsupport.PostgresDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The spool's SQL against the real PostgreSQL: migrations, append, leases, order, removal. */
class SpoolIT {

  private Vertx vertx;
  private String schema;
  private Store store;
  private Spool spool;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    schema = PostgresDb.uniqueSchema();
    store = await(Store.open(vertx, PostgresDb.uri(), schema, 4));
    spool = new Spool(store);
  }

  @AfterEach
  void close() {
    await(store.close());
    await(vertx.close());
  }

  @Test
  void migratesOnceAndRefusesANewerSchema() {
    assertThat(store.schemaVersion()).isEqualTo(Migrations.SCRIPTS.size());
    Store again = await(Store.open(vertx, PostgresDb.uri(), schema, 2)); // a second gateway: nothing to do
    assertThat(again.schemaVersion()).isEqualTo(Migrations.SCRIPTS.size());
    await(again.close());
    try (PostgresDb db = new PostgresDb(schema)) {
      assertThat(db.scalar("SELECT count(*) FROM sluice_schema")).isEqualTo(Migrations.SCRIPTS.size());
      db.query("INSERT INTO sluice_schema (version, name) VALUES (99, 'V99__future.sql')");
    }
    Throwable refused = awaitFailure(Store.open(vertx, PostgresDb.uri(), schema, 2));
    assertThat(refused).hasMessageContaining("version 99").hasMessageContaining("newer");
  }

  @Test
  void appendsAllOrNothingAndCountsThem() {
    await(spool.append(entries("orders", 3, "k")));
    Spool.Stats s = await(spool.stats());
    assertThat(s.events()).isEqualTo(3);
    assertThat(s.bytes()).isEqualTo(3L * value(0).length);
    // one value the column cannot take (a NUL in text is refused by PostgreSQL): none of the request is kept
    List<Spool.Entry> bad = entries("orders", 2, "k");
    bad.add(new Spool.Entry("orders", event("k\u0000x", 9), null));
    assertThat(awaitFailure(spool.append(bad))).isNotNull();
    assertThat(await(spool.stats()).events()).isEqualTo(3);
  }

  @Test
  void aShardHasOneRelayAtATimeAndRowsComeInTheOrderTheyWereAccepted() {
    List<Spool.Entry> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(new Spool.Entry("orders", event("key-" + (i % 20), i), null));
    }
    await(spool.append(all.subList(0, 100)));
    await(spool.append(all.subList(100, 200)));

    List<Integer> a = await(spool.lease("relay-a", 10_000));
    List<Integer> b = await(spool.lease("relay-b", 10_000));
    Set<Integer> expected = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      expected.add(Spool.shard("orders", "key-" + i));
    }
    assertThat(new HashSet<>(a)).isEqualTo(expected);
    assertThat(b).as("relay b while relay a holds every shard with rows").isEmpty();

    List<Spool.Spooled> taken = await(spool.take("relay-a", a, 1000));
    assertThat(taken).hasSize(200);
    assertThat(taken).extracting(Spool.Spooled::readBefore).containsOnly(false);
    // per key, the order of acceptance
    for (int k = 0; k < 20; k++) {
      String key = "key-" + k;
      List<Integer> seq = taken.stream().filter(t -> t.key().equals(key))
          .map(t -> Integer.parseInt(new String(t.value(), StandardCharsets.UTF_8).replaceAll("\\D", ""))).toList();
      assertThat(seq).isSorted().hasSize(10);
    }
    assertThat(await(spool.take("relay-b", a, 1000))).as("rows of shards relay b does not hold").isEmpty();

    // a relay that read rows and stopped before removing them: the next read counts a second send
    List<Spool.Spooled> again = await(spool.take("relay-a", a, 5));
    assertThat(again).extracting(Spool.Spooled::readBefore).containsOnly(true);
    // ... unless Kafka surely did not write them
    await(spool.unsent(again));
    assertThat(await(spool.take("relay-a", a, 5))).extracting(Spool.Spooled::readBefore).containsOnly(false);

    assertThat(await(spool.remove(taken.stream().map(Spool.Spooled::id).toList()))).isEqualTo(200);
    assertThat(await(spool.stats()).events()).isZero();
    assertThat(await(spool.lease("relay-a", 10_000))).as("leases of empty shards are let go").isEmpty();
  }

  @Test
  void anExpiredLeaseGoesToTheNextRelay() {
    await(spool.append(entries("orders", 5, "k")));
    List<Integer> a = await(spool.lease("relay-a", 1));
    assertThat(a).hasSize(1);
    org.awaitility.Awaitility.await("relay a's 1 ms lease runs out and relay b takes the shard")
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> await(spool.lease("relay-b", 10_000)).equals(a));
    assertThat(await(spool.take("relay-a", a, 10))).as("relay a lost its lease").isEmpty();
    assertThat(await(spool.take("relay-b", a, 10))).hasSize(5);
  }

  @Test
  void aFailedRowHoldsBackItsShardAndARefusedOneLeavesTheWay() {
    await(spool.append(entries("orders", 3, "k1")));
    List<Integer> shards = await(spool.lease("relay-a", 10_000));
    List<Spool.Spooled> first = await(spool.take("relay-a", shards, 1));
    await(spool.retryLater(List.of(first.get(0).id()), 60_000));
    assertThat(await(spool.take("relay-a", shards, 10)))
        .as("later rows of the shard wait behind the failed one").isEmpty();
    await(spool.retryLater(List.of(first.get(0).id()), 0));
    List<Spool.Spooled> again = await(spool.take("relay-a", shards, 10));
    assertThat(again).extracting(Spool.Spooled::id).startsWith(first.get(0).id()).hasSize(3);

    await(spool.refuse(List.of(first.get(0).id()), "too large"));
    assertThat(await(spool.stats()).events()).isEqualTo(2);
    try (PostgresDb db = new PostgresDb(schema)) {
      assertThat(db.scalar("SELECT count(*) FROM sluice_spool_refused WHERE reason = 'too large'")).isEqualTo(1);
    }
  }

  @Test
  void keepsEachRowsTenantUpToTheRelayAndIntoTheRefusedTable() {
    await(spool.append(List.of(
        new Spool.Entry("orders", event("k1", 0).withTenant("team-a"), null),
        new Spool.Entry("orders", event("k1", 1), null))));
    List<Integer> shards = await(spool.lease("relay-a", 10_000));

    List<Spool.Spooled> taken = await(spool.take("relay-a", shards, 10));

    assertThat(taken).extracting(Spool.Spooled::tenant).containsExactly("team-a", null);
    await(spool.refuse(List.of(taken.get(0).id()), "too large"));
    try (PostgresDb db = new PostgresDb(schema)) {
      assertThat(db.scalar("SELECT count(*) FROM sluice_spool_refused WHERE tenant = 'team-a'"
          + " AND reason = 'too large'")).isEqualTo(1);
    }
  }

  private static List<Spool.Entry> entries(String topic, int n, String key) {
    List<Spool.Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Spool.Entry(topic, event(key, i), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    }
    return out;
  }

  private static Event event(String key, int n) {
    return new Event(n, UUID.randomUUID().toString(), "order.created", "1", key, "corr", value(n));
  }

  private static byte[] value(int n) {
    return String.format("{\"n\":%06d}", n).getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable awaitFailure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
