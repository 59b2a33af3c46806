package dev.sluice.pool;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Runs tasks with at most one in progress per key (so a key stays in order) and at most {@code
 * maxConcurrent} in progress at all; keys wait in arrival order for a free slot. What is queued is
 * bounded by the source that submits (its in-flight bound). Confined to one event loop.
 *
 * @param <T> a unit of work
 */
public final class KeyedScheduler<T> {

  private final int maxConcurrent;
  private final Function<T, Future<?>> task;
  private final BiConsumer<T, Boolean> onDone;
  private final Map<Object, ArrayDeque<T>> byKey = new HashMap<>();
  private final ArrayDeque<Object> ready = new ArrayDeque<>();
  private int active;
  private int queued;

  /**
   * @param task runs one item; its future completes when the item is done
   * @param onDone called once per item with whether its task succeeded
   */
  public KeyedScheduler(int maxConcurrent, Function<T, Future<?>> task, BiConsumer<T, Boolean> onDone) {
    this.maxConcurrent = maxConcurrent;
    this.task = task;
    this.onDone = onDone;
  }

  /** Queues {@code item} behind earlier items of {@code key}; a null key is never ordered. */
  public void submit(Object key, T item) {
    Object k = key == null ? new Object() : key;
    queued++;
    ArrayDeque<T> q = byKey.get(k);
    if (q != null) {
      q.addLast(item);
      return;
    }
    q = new ArrayDeque<>();
    q.addLast(item);
    byKey.put(k, q);
    if (active < maxConcurrent) {
      start(k, q);
    } else {
      ready.addLast(k);
    }
  }

  private void start(Object key, ArrayDeque<T> q) {
    active++;
    T item = q.peekFirst();
    Future<?> f;
    try {
      f = task.apply(item);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> finish(key, q, item, ar.succeeded()));
  }

  private void finish(Object key, ArrayDeque<T> q, T item, boolean ok) {
    q.pollFirst();
    queued--;
    active--;
    if (q.isEmpty()) {
      byKey.remove(key);
    } else {
      ready.addLast(key);
    }
    try {
      onDone.accept(item, ok);
    } finally {
      while (active < maxConcurrent && !ready.isEmpty()) {
        Object next = ready.pollFirst();
        start(next, byKey.get(next));
      }
    }
  }

  /** Items running now. */
  public int active() {
    return active;
  }

  /** Items submitted and not done (running or waiting). */
  public int pending() {
    return queued;
  }
}
