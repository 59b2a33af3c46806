package dev.sluice.subscribe;

import dev.sluice.config.SubscriptionsConfig.Subscription;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.KafkaDeadLetters;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.fallback.Breaker;
import dev.sluice.store.Processed;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one message until the sink took it or it is dead-lettered: each attempt goes through the
 * sink's breaker (while it is open no attempt is made and none is counted: the message waits); a
 * retryable failure counts an attempt in PostgreSQL (so the count survives a rebalance and a restart)
 * and waits with back-off; a permanent failure, or the last attempt allowed, dead-letters the message
 * (the dead-letter target's acknowledgement, then the index) before it is done. Once the subscription
 * stops, a message waiting for its next attempt is given up (it is read again later, with its count).
 * Confined to the subscription's event loop.
 */
final class DeliveryLoop {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryLoop.class);
  /** How often a message waiting for an open breaker looks again. */
  private static final long BREAKER_WAIT_MS = 200;
  private static final long DEAD_LETTER_RETRY_MAX_MS = 5000;

  /** What became of a message. */
  enum Result {
    /** The sink took it at the first attempt of this run. */
    DELIVERED,
    /** The sink took it after failed attempts (their count is in the store). */
    DELIVERED_AFTER_FAILURES,
    DEAD_LETTERED
  }

  /** The subscription stopped before the message was finished: it is read again later. */
  static final class Stopping extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stopping() {
      super("the subscription is stopping", null, false, false);
    }
  }

  private final Vertx vertx;
  private final Subscription sub;
  private final Sink sink;
  private final Breaker breaker;
  private final Backoff backoff;
  private final Processed store;
  private final KafkaDeadLetters kafkaDeadLetters;
  private final DeadLetterIndex index;
  private final SubscriptionMetrics metrics;
  private final BooleanSupplier stopping;
  private long loggedAtMs;
  /** Messages waiting for their next attempt: timer id → the attempt. */
  private final java.util.Map<Long, Runnable> waiting = new java.util.HashMap<>();

  DeliveryLoop(Vertx vertx, Subscription sub, Sink sink, Breaker breaker, Backoff backoff, Processed store,
      KafkaDeadLetters kafkaDeadLetters, DeadLetterIndex index, SubscriptionMetrics metrics, BooleanSupplier stopping) {
    this.vertx = vertx;
    this.sub = sub;
    this.sink = sink;
    this.breaker = breaker;
    this.backoff = backoff;
    this.store = store;
    this.kafkaDeadLetters = kafkaDeadLetters;
    this.index = index;
    this.metrics = metrics;
    this.stopping = stopping;
  }

  /**
   * Once the subscription stops: the messages waiting for their next attempt are given up now (with
   * {@link Stopping}), not when their back-off ends.
   */
  void abandonWaiting() {
    var all = new java.util.ArrayList<>(waiting.entrySet());
    waiting.clear();
    for (var e : all) {
      vertx.cancelTimer(e.getKey());
      e.getValue().run();
    }
  }

  /** Delivers {@code m}, its earlier failed attempts being {@code prior} (or null); fails only with {@link Stopping}. */
  Future<Result> run(Message m, Processed.Attempts prior) {
    Promise<Result> p = Promise.promise();
    attempt(m, prior, p);
    return p.future();
  }

  private void attempt(Message m, Processed.Attempts prior, Promise<Result> p) {
    if (stopping.getAsBoolean()) {
      p.fail(new Stopping());
      return;
    }
    SinkRequest req = new SinkRequest(m.eventId(), m.eventType(), m.eventVersion(), m.correlationId(),
        Traceparent.child(m.traceparent()), m.keyText(), m.where(), m.value(), sub.timeoutMs());
    long start = System.nanoTime();
    breaker.call(() -> sink.deliver(req), r -> r.kind() == SinkResult.Kind.RETRY).onComplete(ar -> {
      if (ar.failed()) {
        // the breaker is open (or its trial is under way): no attempt was made
        vertx.setTimer(BREAKER_WAIT_MS, id -> attempt(m, prior, p));
        return;
      }
      metrics.sink.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      SinkResult r = ar.result();
      if (r.done()) {
        p.complete(prior == null ? Result.DELIVERED : Result.DELIVERED_AFTER_FAILURES);
      } else {
        failed(m, r, prior, p, req.traceparent());
      }
    });
  }

  private void failed(Message m, SinkResult r, Processed.Attempts prior, Promise<Result> p, String traceparent) {
    if (r.ambiguous()) {
      metrics.ambiguous.increment();
    }
    long now = System.currentTimeMillis();
    Processed.Attempts local = prior == null ? new Processed.Attempts(1, now, now)
        : new Processed.Attempts(prior.count() + 1, prior.firstFailureMs(), now);
    store.failed(sub.name(), m.eventId()).otherwise(err -> {
      log("cannot count a failed attempt in PostgreSQL (counted in memory)", err);
      return local;
    }).onSuccess(attempts -> {
      if (r.kind() == SinkResult.Kind.PERMANENT || backoff.exhausted(attempts.count())) {
        deadLetter(m, r, attempts, traceparent, p, 100);
        return;
      }
      metrics.retries.increment();
      Runnable next = () -> attempt(m, attempts, p);
      long timer = vertx.setTimer(Math.max(1, backoff.delayMs(attempts.count(), r.retryAfterMs())), id -> {
        if (waiting.remove(id) != null) {
          next.run();
        }
      });
      waiting.put(timer, next);
    });
  }

  /**
   * Sends the dead letter, then indexes it; both again with back-off until they succeed (the key waits).
   * Its {@code traceparent} is the last attempt's: the span the sink saw fail.
   */
  private void deadLetter(Message m, SinkResult r, Processed.Attempts attempts, String traceparent, Promise<Result> p,
      long retryMs) {
    if (stopping.getAsBoolean()) {
      p.fail(new Stopping());
      return;
    }
    DeadLetter d = new DeadLetter(sub.name(), m.eventId(), m.eventType(), m.origin(), attempts.count(),
        Instant.ofEpochMilli(attempts.firstFailureMs()), Instant.ofEpochMilli(attempts.lastFailureMs()),
        r.failureClass(), r.status(), r.response(), traceparent);
    StoredDeadLetter stored = new StoredDeadLetter(d, m.key(), m.value(), m.headers(), sub.deadLetterTarget(), null);
    kafkaDeadLetters.send(sub.deadLetter(), m.key(), m.value(), kafkaHeaders(m), d)
        .compose(v -> index.put(stored))
        .onSuccess(v -> {
          store.clearAttempts(sub.name(), m.eventId()).onFailure(err -> log("cannot clear the attempts of "
              + m.eventId(), err));
          metrics.deadLettered.increment();
          LOG.warn("Subscription {}: event {} ({}) dead-lettered to {} after {} attempt(s): {} {} {}", sub.name(),
              m.eventId(), m.eventType(), sub.deadLetterTarget(), attempts.count(), r.failureClass(),
              r.status() == null ? "" : r.status(), r.response() == null ? "" : abbreviate(r.response()));
          p.complete(Result.DEAD_LETTERED);
        })
        .onFailure(err -> {
          log("cannot dead-letter event " + m.eventId() + " to " + sub.deadLetterTarget() + " (tried again)", err);
          vertx.setTimer(retryMs, id -> deadLetter(m, r, attempts, traceparent, p,
              Math.min(DEAD_LETTER_RETRY_MAX_MS, retryMs * 2)));
        });
  }

  private static List<Header> kafkaHeaders(Message m) {
    List<Header> out = new ArrayList<>(m.headers().size());
    m.headers().forEach(h -> out.add(new RecordHeader(h.name(), h.value())));
    return out;
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() <= 200 ? one : one.substring(0, 200) + "…";
  }

  private void log(String what, Throwable err) {
    long now = System.currentTimeMillis();
    if (now - loggedAtMs >= 10_000) {
      loggedAtMs = now;
      LOG.warn("Subscription {}: {}: {}", sub.name(), what, err.toString());
    }
  }
}
