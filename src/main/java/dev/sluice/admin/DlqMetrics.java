package dev.sluice.admin;

import dev.sluice.store.DeadLetters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice_dlq_depth{subscription}} and {@code sluice_dlq_oldest_age_seconds{subscription}} of every
 * configured subscription, refreshed from the dead-letter index every {@code refreshMs} (a query per
 * period, not per scrape). While the index does not answer, the last values stay.
 */
final class DlqMetrics {

  private static final Logger LOG = LoggerFactory.getLogger(DlqMetrics.class);

  private final Vertx vertx;
  private final DeadLetters store;
  private final Map<String, Values> values = new ConcurrentHashMap<>();
  private long timer = -1;
  private boolean warned;

  DlqMetrics(Vertx vertx, DeadLetters store, Collection<String> subscriptions, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    for (String s : subscriptions) {
      Values v = new Values();
      values.put(s, v);
      Gauge.builder("sluice.dlq.depth", v, a -> a.depth).tag("subscription", s)
          .description("Dead letters in the index").register(registry);
      Gauge.builder("sluice.dlq.oldest.age.seconds", v, a -> a.age).tag("subscription", s)
          .description("Age of the oldest dead letter (0 when none)").register(registry);
    }
  }

  /** Written on the event loop, read by scrapes. */
  private static final class Values {
    volatile double depth;
    volatile double age;
  }

  void start(long refreshMs) {
    refresh();
    timer = vertx.setPeriodic(refreshMs, t -> refresh());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void refresh() {
    if (!store.ready()) {
      return; // not migrated yet: nothing to count, and nothing to warn about
    }
    store.summary().onComplete(ar -> {
      if (ar.failed()) {
        if (!warned) {
          LOG.warn("Dead-letter metrics: the index does not answer: {}", ar.cause().toString());
          warned = true;
        }
        return;
      }
      warned = false;
      Map<String, DeadLetters.Summary> now = new java.util.HashMap<>();
      ar.result().forEach(s -> now.put(s.subscription(), s));
      values.forEach((name, v) -> {
        DeadLetters.Summary s = now.get(name);
        v.depth = s == null ? 0 : s.depth();
        v.age = s == null ? 0 : s.oldestAgeSeconds();
      });
    });
  }
}
