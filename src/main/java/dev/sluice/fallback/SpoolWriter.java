package dev.sluice.fallback;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.Outcome;
import dev.sluice.store.Spool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery's side of the spool: appends a request's events in one transaction (answered {@code
 * spooled} once committed), bounded by {@code spool.max-events}/{@code spool.max-bytes} (as last
 * counted, about every second, plus what this process appended since: past them {@code 503 SLC-5008}),
 * holds the keys with spooled events ({@link SpoolGate}), keeps the spool's gauges and tells {@link
 * GatewayState} whether PostgreSQL answers. Confined to the route verticle's loop.
 */
final class SpoolWriter {

  private static final Logger LOG = LoggerFactory.getLogger(SpoolWriter.class);
  private static final long STATS_EVERY_MS = 1000;

  private final Spool spool;
  private final Future<?> schemaReady;
  private final long maxEvents;
  private final long maxBytes;
  private final long appendTimeoutMs;
  private final GatewayState state;
  private final MeterRegistry registry;
  private final SpoolGate gate = new SpoolGate();
  private Vertx vertx;
  private long countedEvents;
  private long countedBytes;
  private long appendedEvents;
  private long appendedBytes;
  private volatile double oldestAgeSeconds;
  private volatile long spoolEvents;
  private volatile long spoolBytes;
  private boolean refreshing;
  private long gateRefreshMs = 500;
  private long statsTimer = -1;
  private long gateTimer = -1;
  private boolean stopped;

  /**
   * @param schemaReady completes once the store's schema is migrated (the spool counts as down until)
   */
  SpoolWriter(Spool spool, Future<?> schemaReady, long maxEvents, long maxBytes, long appendTimeoutMs,
      GatewayState state, MeterRegistry registry) {
    this.spool = spool;
    this.schemaReady = schemaReady;
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.appendTimeoutMs = appendTimeoutMs;
    this.state = state;
    this.registry = registry;
  }

  Future<Void> start(Vertx vertx) {
    this.vertx = vertx;
    Gauge.builder("sluice.spool.events", this, w -> w.spoolEvents).description("Events in the spool").register(registry);
    Gauge.builder("sluice.spool.bytes", this, w -> w.spoolBytes).description("Bytes of events in the spool")
        .register(registry);
    Gauge.builder("sluice.spool.oldest.age.seconds", this, w -> w.oldestAgeSeconds)
        .description("Age of the oldest event in the spool").register(registry);
    // the first count once the schema is in place (the store migrates it in the background; while
    // PostgreSQL is away that takes until it is back, and the spool counts as down meanwhile)
    schemaReady.onComplete(ready -> {
      if (stopped) {
        return;
      }
      spool.stats().onComplete(ar -> {
        if (ar.succeeded()) {
          counted(ar.result());
          state.fallbackUp(true);
        } else {
          LOG.warn("The spool (PostgreSQL) does not answer: {}; events Kafka cannot take get 503 until it does",
              ar.cause().toString());
        }
        statsTimer = stopped ? -1 : vertx.setTimer(STATS_EVERY_MS, id -> count());
        refreshGate();
      });
    });
    return Future.succeededFuture();
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(statsTimer);
    vertx.cancelTimer(gateTimer);
  }

  /** True when events of {@code key} of {@code topic} must be spooled to keep their order. */
  boolean holds(String topic, String key) {
    return gate.size() > 0 && gate.holds(SpoolGate.key(topic, key));
  }

  /**
   * Appends the events at {@code idx} in one transaction and fills their outcomes ({@code spooled}, or
   * why not); {@code count} gets (topic, result) per event. Never fails.
   */
  Future<Void> append(List<Event> events, String[] topics, String traceparent, List<Integer> idx, Outcome[] out,
      BiConsumer<String, String> count) {
    long bytes = 0;
    List<Spool.Entry> entries = new ArrayList<>(idx.size());
    Set<String> keys = new HashSet<>();
    for (int i : idx) {
      Event e = events.get(i);
      bytes += e.value().length;
      entries.add(new Spool.Entry(topics[i], e, traceparent));
      keys.add(SpoolGate.key(topics[i], e.key()));
    }
    long m = idx.size();
    if (countedEvents + appendedEvents + m > maxEvents || countedBytes + appendedBytes + bytes > maxBytes) {
      fill(out, idx, topics, Outcome.failed(Failure.SPOOL_FULL, "Kafka cannot take the event now and the spool is"
          + " full (" + (countedEvents + appendedEvents) + " events, " + (countedBytes + appendedBytes)
          + " bytes; spool.max-events " + maxEvents + ", spool.max-bytes " + maxBytes + "); retry later"), "full", count);
      return Future.succeededFuture();
    }
    keys.forEach(gate::appending);
    long size = bytes;
    Promise<Void> answered = Promise.promise();
    boolean[] done = {false};
    long timer = vertx.setTimer(appendTimeoutMs, id -> {
      if (!done[0]) {
        done[0] = true;
        fill(out, idx, topics, Outcome.failed(Failure.KAFKA_UNAVAILABLE, "Kafka cannot take the event now and the"
            + " spool did not commit it within " + appendTimeoutMs + " ms; it may still commit it (eventId is the"
            + " dedup key)"), "failed", count);
        answered.complete();
      }
    });
    spool.append(entries).onComplete(ar -> {
      keys.forEach(gate::appended);
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        appendedEvents += m;
        appendedBytes += size;
        state.fallbackUp(true);
      }
      if (done[0]) {
        return; // answered at the timeout
      }
      done[0] = true;
      if (ar.succeeded()) {
        for (int i : idx) {
          out[i] = Outcome.spooled(topics[i]);
          count.accept(topics[i], "spooled");
        }
      } else {
        fill(out, idx, topics, Outcome.failed(Failure.KAFKA_UNAVAILABLE,
            "Kafka cannot take the event now and the spool failed: " + ar.cause().getMessage()), "failed", count);
      }
      answered.complete();
    });
    return answered.future();
  }

  private static void fill(Outcome[] out, List<Integer> idx, String[] topics, Outcome o, String result,
      BiConsumer<String, String> count) {
    for (int i : idx) {
      out[i] = o;
      count.accept(topics[i], result);
    }
  }

  /** Counts the spool (rows, bytes, oldest) every second: the bound's base and the gauges. */
  private void count() {
    long before = appendedEvents;
    long beforeBytes = appendedBytes;
    long started = System.nanoTime();
    spool.stats().onComplete(ar -> {
      // every second, or less often while counting a big spool takes long (PostgreSQL spends at most a
      // tenth of a core on it: the relays need it more while they drain)
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      statsTimer = stopped ? -1 : vertx.setTimer(Math.max(STATS_EVERY_MS, Math.min(10_000, tookMs * 10)), id -> count());
      if (ar.succeeded()) {
        appendedEvents -= before; // what was appended before the count started is in it
        appendedBytes -= beforeBytes;
        counted(ar.result());
        if (!state.fallbackUp()) {
          LOG.info("The spool (PostgreSQL) answers again");
        }
        state.fallbackUp(true);
      } else if (state.fallbackUp()) {
        LOG.warn("The spool (PostgreSQL) does not answer: {}", ar.cause().toString());
        state.fallbackUp(false);
      }
    });
  }

  private void counted(Spool.Stats s) {
    countedEvents = s.events();
    countedBytes = s.bytes();
    spoolEvents = s.events();
    spoolBytes = s.bytes();
    oldestAgeSeconds = s.oldestAgeSeconds();
  }

  /** Reads which keys the spool holds, at a pace that follows how long the read takes. */
  private void refreshGate() {
    if (refreshing) {
      return;
    }
    refreshing = true;
    long mark = gate.snapshot();
    long started = System.nanoTime();
    spool.keys().onComplete(ar -> {
      refreshing = false;
      if (ar.succeeded()) {
        gate.refreshed(ar.result(), mark);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        gateRefreshMs = Math.max(200, Math.min(10_000, tookMs * 10)); // at most a tenth of a core
      }
      gateTimer = stopped ? -1 : vertx.setTimer(gateRefreshMs, id -> refreshGate());
    });
  }
}
