package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.testsupport.PostgresDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dead-letter index against the real PostgreSQL: upsert, list, filters, pages, whole rows, purge. */
class DeadLettersIT {

  private Vertx vertx;
  private Store store;
  private DeadLetters dl;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = await(Store.open(vertx, PostgresDb.uri(), PostgresDb.uniqueSchema(), 4));
    dl = new DeadLetters(store);
  }

  @AfterEach
  void close() {
    await(store.close());
    await(vertx.close());
  }

  /** A dead letter of {@code sub}: a Kafka record with a binary key, a JSON value and two headers. */
  static StoredDeadLetter letter(String sub, String id, String type, String failureClass, Integer status, int attempts) {
    Instant t = Instant.parse("2026-11-29T08:00:00.123456Z");
    DeadLetter l = new DeadLetter(sub, id, type, DeadLetter.Origin.kafka("orders", 3, 42L, 1_764_403_200_123L),
        attempts, t, t.plusSeconds(attempts), failureClass, status, "sink said no to " + id,
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    byte[] value = ("{\"id\":\"" + id + "\",\"n\":1}").getBytes(StandardCharsets.UTF_8);
    return new StoredDeadLetter(l, new byte[] {(byte) 0xff, 0, 'k'}, value,
        List.of(new StoredDeadLetter.Header("event-id", id.getBytes(StandardCharsets.UTF_8)),
            new StoredDeadLetter.Header("bin", new byte[] {1, 2, (byte) 0x80}),
            new StoredDeadLetter.Header("sluice-dlq-attempts", "9".getBytes(StandardCharsets.UTF_8))),
        "kafka:" + sub + ".dlq", null);
  }

  @Test
  void aRepeatedFailureReplacesTheRowAndGetReturnsItWhole() {
    StoredDeadLetter first = letter("s1", "e1", "order.created", DeadLetter.CLASS_STATUS, 500, 5);
    await(dl.put(first));
    StoredDeadLetter stored = await(dl.get("s1", "e1")).orElseThrow();
    assertThat(stored.letter()).isEqualTo(first.letter());
    assertThat(stored.key()).isEqualTo(first.key());
    assertThat(stored.value()).isEqualTo(first.value());
    assertThat(stored.headers()).extracting(StoredDeadLetter.Header::name).containsExactly("event-id", "bin");
    assertThat(stored.headers().get(1).value()).isEqualTo(new byte[] {1, 2, (byte) 0x80});
    assertThat(stored.target()).isEqualTo("kafka:s1.dlq");
    assertThat(stored.deadAt()).isNotNull();

    StoredDeadLetter again = letter("s1", "e1", "order.created", DeadLetter.CLASS_TIMEOUT, null, 2);
    await(dl.put(again));
    StoredDeadLetter replaced = await(dl.get("s1", "e1")).orElseThrow();
    assertThat(replaced.letter()).isEqualTo(again.letter());
    assertThat(replaced.letter().status()).isNull();
    assertThat(replaced.deadAt()).isAfter(stored.deadAt());
    assertThat(await(dl.summary("s1")).depth()).isEqualTo(1);
    assertThat(await(dl.get("s1", "nope"))).isEqualTo(Optional.empty());
    assertThat(await(dl.get("s2", "e1"))).isEqualTo(Optional.empty());
  }

  @Test
  void summariesCountPerSubscription() {
    for (int i = 0; i < 3; i++) {
      await(dl.put(letter("s1", "e" + i, "order.created", DeadLetter.CLASS_STATUS, 400, 1)));
    }
    await(dl.put(letter("s2", "x", "order.created", DeadLetter.CLASS_STATUS, 400, 1)));
    List<DeadLetters.Summary> all = await(dl.summary());
    assertThat(all).extracting(DeadLetters.Summary::subscription).containsExactly("s1", "s2");
    assertThat(all).extracting(DeadLetters.Summary::depth).containsExactly(3L, 1L);
    assertThat(all.get(0).oldestAgeSeconds()).isBetween(0.0, 60.0);
    DeadLetters.Summary none = await(dl.summary("s3"));
    assertThat(none.depth()).isZero();
    assertThat(none.oldest()).isNull();
    assertThat(none.oldestAgeSeconds()).isZero();
  }

  @Test
  void listsOldestFirstPageByPageAndFilters() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String type = i % 2 == 0 ? "order.created" : "payment.failed.v2";
      String cls = i < 5 ? DeadLetter.CLASS_STATUS : DeadLetter.CLASS_TIMEOUT;
      await(dl.put(letter("s1", "e" + i, type, cls, i < 5 ? 500 + i % 2 : null, 1)));
      ids.add("e" + i);
    }
    await(dl.put(letter("other", "e9", "order.created", DeadLetter.CLASS_STATUS, 500, 1)));

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      DeadLetters.Page page = await(dl.list("s1", DeadLetters.Filter.ALL, 3, cursor));
      page.items().forEach(d -> {
        seen.add(d.eventId());
        assertThat(d.value()).isNull();
        assertThat(d.headers()).isEmpty();
        assertThat(d.key()).isEqualTo(new byte[] {(byte) 0xff, 0, 'k'});
      });
      cursor = page.next();
      pages++;
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(ids);
    assertThat(pages).isEqualTo(3);
    // exactly a page's worth: no empty page after it
    assertThat(await(dl.list("s1", DeadLetters.Filter.ALL, 7, null)).next()).isNull();

    assertThat(ids(new DeadLetters.Filter("order.created", null, null, null, null, null))).containsExactly("e0", "e2", "e4", "e6");
    assertThat(ids(new DeadLetters.Filter("payment.#", null, null, null, null, null))).containsExactly("e1", "e3", "e5");
    assertThat(ids(new DeadLetters.Filter("*.created", null, null, null, null, null))).containsExactly("e0", "e2", "e4", "e6");
    assertThat(ids(new DeadLetters.Filter("payment.*", null, null, null, null, null))).isEmpty();
    assertThat(ids(new DeadLetters.Filter(null, DeadLetter.CLASS_TIMEOUT, null, null, null, null))).containsExactly("e5", "e6");
    assertThat(ids(new DeadLetters.Filter(null, null, 501, null, null, null))).containsExactly("e1", "e3");
    assertThat(ids(DeadLetters.Filter.ids(List.of("e3", "e0", "zz")))).containsExactly("e0", "e3");

    StoredDeadLetter e3 = await(dl.get("s1", "e3")).orElseThrow();
    assertThat(ids(new DeadLetters.Filter(null, null, null, e3.deadAt(), null, null))).containsExactly("e3", "e4", "e5", "e6");
    assertThat(ids(new DeadLetters.Filter(null, null, null, null, e3.deadAt(), null))).containsExactly("e0", "e1", "e2");

    List<StoredDeadLetter> batch = await(dl.batch("s1", DeadLetters.Filter.ALL, 2, DeadLetters.cursorAfter(e3)));
    assertThat(batch).extracting(StoredDeadLetter::eventId).containsExactly("e4", "e5");
    assertThat(batch.get(0).value()).isEqualTo(letter("s1", "e4", "x", "x", null, 1).value());
    assertThat(batch.get(0).headers()).hasSize(2);

    Throwable bad = awaitFailure(dl.list("s1", DeadLetters.Filter.ALL, 3, "garbage"));
    assertThat(bad).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void purgesByIdsOrFilterAndCounts() {
    for (int i = 0; i < 5; i++) {
      await(dl.put(letter("s1", "e" + i, i < 3 ? "order.created" : "order.paid", DeadLetter.CLASS_STATUS, 500, 1)));
    }
    await(dl.put(letter("s2", "e0", "order.created", DeadLetter.CLASS_STATUS, 500, 1)));
    assertThat(await(dl.delete("s1", DeadLetters.Filter.ids(List.of("e0", "e9"))))).isEqualTo(1);
    assertThat(await(dl.delete("s1", new DeadLetters.Filter("order.created", null, null, null, null, null)))).isEqualTo(2);
    assertThat(await(dl.delete("s1", DeadLetters.Filter.ALL))).isEqualTo(2);
    assertThat(await(dl.summary("s1")).depth()).isZero();
    assertThat(await(dl.summary("s2")).depth()).isEqualTo(1);
  }

  @Test
  void deleteOneKeepsARowReplacedByANewFailure() {
    await(dl.put(letter("s1", "e1", "order.created", DeadLetter.CLASS_STATUS, 500, 1)));
    Instant first = await(dl.get("s1", "e1")).orElseThrow().deadAt();
    await(dl.put(letter("s1", "e1", "order.created", DeadLetter.CLASS_STATUS, 500, 2)));
    assertThat(await(dl.deleteOne("s1", "e1", first))).isFalse();
    StoredDeadLetter now = await(dl.get("s1", "e1")).orElseThrow();
    assertThat(now.letter().attempts()).isEqualTo(2);
    assertThat(await(dl.deleteOne("s1", "e1", now.deadAt()))).isTrue();
    assertThat(await(dl.get("s1", "e1"))).isEmpty();
  }

  private List<String> ids(DeadLetters.Filter f) {
    return await(dl.list("s1", f, 100, null)).items().stream().map(StoredDeadLetter::eventId).toList();
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Throwable awaitFailure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
