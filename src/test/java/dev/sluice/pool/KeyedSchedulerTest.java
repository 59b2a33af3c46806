package dev.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyedSchedulerTest {

  private final Map<String, Promise<Void>> running = new LinkedHashMap<>();
  private final List<String> done = new ArrayList<>();
  private final KeyedScheduler<String> scheduler =
      new KeyedScheduler<>(
          2,
          item -> {
            Promise<Void> p = Promise.promise();
            running.put(item, p);
            return p.future();
          },
          (item, ok) -> done.add(item + (ok ? "" : "!")));

  @Test
  void runsOneItemPerKeyAtATimeInOrder() {
    scheduler.submit("k", "k1");
    scheduler.submit("k", "k2");
    assertThat(running).containsOnlyKeys("k1");
    running.get("k1").complete();
    assertThat(running).containsKeys("k2");
    running.get("k2").complete();
    assertThat(done).containsExactly("k1", "k2");
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void runsDifferentKeysConcurrentlyUpToTheBound() {
    scheduler.submit("a", "a1");
    scheduler.submit("b", "b1");
    scheduler.submit("c", "c1");
    assertThat(running).containsOnlyKeys("a1", "b1");
    assertThat(scheduler.active()).isEqualTo(2);
    assertThat(scheduler.pending()).isEqualTo(3);
    running.get("b1").complete();
    assertThat(running).containsKeys("c1");
    assertThat(scheduler.active()).isEqualTo(2);
  }

  @Test
  void aKeyWithMoreWorkWaitsBehindKeysAlreadyWaiting() {
    scheduler.submit("a", "a1");
    scheduler.submit("a", "a2");
    scheduler.submit("b", "b1");
    scheduler.submit("c", "c1");
    running.get("a1").complete();
    assertThat(running).containsKeys("c1").doesNotContainKey("a2");
    running.get("b1").complete();
    assertThat(running).containsKeys("a2");
  }

  @Test
  void nullKeysAreNotOrderedAndFailuresAreReported() {
    scheduler.submit(null, "x");
    scheduler.submit(null, "y");
    assertThat(running).containsOnlyKeys("x", "y");
    running.get("y").fail("boom");
    running.get("x").complete();
    assertThat(done).containsExactly("y!", "x");
  }

  @Test
  void keepsGoingWhenTheDoneCallbackThrows() {
    List<String> started = new ArrayList<>();
    KeyedScheduler<String> s =
        new KeyedScheduler<>(1, item -> {
          started.add(item);
          Promise<Void> p = Promise.promise();
          running.put(item, p);
          return p.future();
        }, (i, ok) -> { throw new IllegalStateException("ack failed"); });
    s.submit("a", "a1");
    s.submit("b", "b1");
    // the callback's failure surfaces, but the next key was started first
    assertThatThrownBy(() -> running.get("a1").complete())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ack failed");
    assertThat(started).containsExactly("a1", "b1");
  }

  @Test
  void aTaskThatThrowsCountsAsFailed() {
    KeyedScheduler<String> s =
        new KeyedScheduler<>(1, item -> { throw new IllegalStateException(item); }, (i, ok) -> done.add(i + ok));
    s.submit("k", "z");
    assertThat(done).containsExactly("zfalse");
    assertThat(s.active()).isZero();
    assertThat(Future.succeededFuture()).isNotNull();
  }
}
