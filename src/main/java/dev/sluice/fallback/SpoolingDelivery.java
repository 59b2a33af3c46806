package dev.sluice.fallback;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.Outcome;
import dev.sluice.store.Spool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka behind a circuit breaker, with the PostgreSQL spool for what Kafka cannot take: events go to
 * Kafka while its breaker is closed; those Kafka fails with a retryable error, and all of them while
 * the breaker is open, are appended to the spool (one transaction per request) and answered {@code
 * spooled} once committed. Events of a key that has rows in the spool go to the spool too, so that
 * none overtakes them ({@link SpoolGate}); the relay drains the spool into Kafka. The spool is bounded
 * by {@code spool.max-events}/{@code spool.max-bytes} (as last counted, plus what this process appended
 * since; counted every second): past them, {@code 503 SLC-5008}. Confined to the route verticle's loop.
 */
public final class SpoolingDelivery implements Delivery {

  private static final Logger LOG = LoggerFactory.getLogger(SpoolingDelivery.class);

  /** Kafka's failures that the spool takes over (the event may be sent again as it is). */
  static final Set<Failure> FALLBACK = EnumSet.of(Failure.KAFKA_UNAVAILABLE, Failure.TOPIC_MISSING,
      Failure.REFUSED_WITH_BATCH, Failure.OUTCOME_UNKNOWN, Failure.SHUTTING_DOWN);
  /** Kafka's failures after which it may still have the event: spooling it may make a duplicate. */
  static final Set<Failure> AMBIGUOUS = EnumSet.of(Failure.KAFKA_UNAVAILABLE, Failure.OUTCOME_UNKNOWN);
  private static final long STATS_EVERY_MS = 1000;

  /** The settings of the spool path (validated by the configuration). */
  public record Settings(long maxEvents, long maxBytes, long appendTimeoutMs, long breakerWindowMs,
      int breakerMinCalls, double breakerFailureRate, long breakerResetMs) {}

  private final Spool spool;
  private final Settings settings;
  private final GatewayState state;
  private final MeterRegistry registry;
  private final DeliveryOptions publish;
  private final SpoolGate gate = new SpoolGate();
  private final Map<String, Counter> counters = new HashMap<>();
  private Vertx vertx;
  private io.vertx.core.Context context;
  private Breaker breaker;
  private Counter ambiguous;
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

  public SpoolingDelivery(Spool spool, Settings settings, GatewayState state, long publishTimeoutMs,
      MeterRegistry registry) {
    this.spool = spool;
    this.settings = settings;
    this.state = state;
    this.registry = registry;
    this.publish = new DeliveryOptions().setSendTimeout(publishTimeoutMs);
  }

  @Override
  public Future<Void> start(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    breaker = new Breaker(vertx, "kafka", settings.breakerWindowMs(), settings.breakerMinCalls(),
        settings.breakerFailureRate(), settings.breakerResetMs(), registry);
    ambiguous = Counter.builder("sluice.fallback.ambiguous")
        .description("Events spooled after a Kafka failure that may still have written them (possible duplicates)")
        .register(registry);
    Gauge.builder("sluice.spool.events", this, d -> d.spoolEvents).description("Events in the spool").register(registry);
    Gauge.builder("sluice.spool.bytes", this, d -> d.spoolBytes).description("Bytes of events in the spool")
        .register(registry);
    Gauge.builder("sluice.spool.oldest.age.seconds", this, d -> d.oldestAgeSeconds)
        .description("Age of the oldest event in the spool").register(registry);
    statsTimer = vertx.setPeriodic(STATS_EVERY_MS, id -> count());
    return spool.stats().map(s -> {
      counted(s);
      state.fallbackUp(true);
      refreshGate();
      return (Void) null;
    }).recover(err -> {
      LOG.warn("The spool (PostgreSQL) does not answer: {}; events Kafka cannot take get 503 until it does",
          err.toString());
      state.fallbackUp(false);
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(statsTimer);
    vertx.cancelTimer(gateTimer);
    return Future.succeededFuture();
  }

  /** True while Kafka's breaker lets events through. */
  public boolean kafkaClosed() {
    return breaker != null && breaker.closed();
  }

  /**
   * Kafka acknowledged events (the relay's): evidence enough to close its breaker. Without it, while
   * every key is held by the spool, no direct call would come to be the half-open trial. Any thread.
   */
  public void kafkaWorks() {
    if (context != null && breaker != null && !breaker.closed()) {
      context.runOnContext(v -> breaker.close("Kafka acknowledged the relay's events"));
    }
  }

  @Override
  public Future<Outcome[]> deliver(List<Event> events, String[] topics, String traceparent) {
    int n = events.size();
    Outcome[] out = new Outcome[n];
    List<Integer> toKafka = new ArrayList<>(n);
    List<Integer> toSpool = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (gate.holds(SpoolGate.key(topics[i], events.get(i).key()))) {
        toSpool.add(i);
      } else {
        toKafka.add(i);
      }
    }
    Future<Void> kafka;
    if (toKafka.isEmpty()) {
      kafka = Future.succeededFuture();
    } else {
      List<Event> sub = toKafka.size() == n ? events : pick(events, toKafka);
      String[] subTopics = toKafka.size() == n ? topics : pickTopics(topics, toKafka);
      kafka = breaker.<Outcome[]>call(() -> Delivery.publish(vertx, publish, sub, subTopics, traceparent),
              SpoolingDelivery::kafkaFailed)
          .transform(ar -> {
            for (int j = 0; j < toKafka.size(); j++) {
              int i = toKafka.get(j);
              Outcome o = ar.succeeded() ? ar.result()[j] : null;
              if (o != null && (o.isAccepted() || !FALLBACK.contains(o.failure()))) {
                out[i] = o;
              } else {
                if (o != null && AMBIGUOUS.contains(o.failure())) {
                  ambiguous.increment();
                }
                toSpool.add(i);
              }
            }
            return Future.succeededFuture();
          });
    }
    return kafka.compose(v -> toSpool.isEmpty() ? Future.succeededFuture() : spool(events, topics, traceparent,
            sorted(toSpool), out))
        .map(v -> out);
  }

  /** Appends the events at {@code idx} in one transaction; fills their outcomes. */
  private Future<Void> spool(List<Event> events, String[] topics, String traceparent, List<Integer> idx,
      Outcome[] out) {
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
    if (countedEvents + appendedEvents + m > settings.maxEvents()
        || countedBytes + appendedBytes + bytes > settings.maxBytes()) {
      String why = "Kafka cannot take the event now and the spool is full (" + (countedEvents + appendedEvents)
          + " events, " + (countedBytes + appendedBytes) + " bytes; spool.max-events " + settings.maxEvents()
          + ", spool.max-bytes " + settings.maxBytes() + "); retry later";
      fill(out, idx, topics, Outcome.failed(Failure.SPOOL_FULL, why), "full");
      return Future.succeededFuture();
    }
    keys.forEach(gate::appending);
    long size = bytes;
    Promise<Void> answered = Promise.promise();
    boolean[] done = {false};
    long timer = vertx.setTimer(settings.appendTimeoutMs(), id -> {
      if (!done[0]) {
        done[0] = true;
        fill(out, idx, topics, Outcome.failed(Failure.KAFKA_UNAVAILABLE, "Kafka cannot take the event now and the"
            + " spool did not commit it within " + settings.appendTimeoutMs() + " ms; it may still commit it"
            + " (eventId is the dedup key)"), "failed");
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
          counter(topics[i], "spooled").increment();
        }
      } else {
        fill(out, idx, topics, Outcome.failed(Failure.KAFKA_UNAVAILABLE,
            "Kafka cannot take the event now and the spool failed: " + ar.cause().getMessage()), "failed");
      }
      answered.complete();
    });
    return answered.future();
  }

  private void fill(Outcome[] out, List<Integer> idx, String[] topics, Outcome o, String result) {
    for (int i : idx) {
      out[i] = o;
      counter(topics[i], result).increment();
    }
  }

  private Counter counter(String topic, String result) {
    return counters.computeIfAbsent(topic + '\u0000' + result, k -> Counter.builder("sluice.fallback.events")
        .description("Events that took the fallback, by route topic, target and result")
        .tag("route", topic).tag("via", Outcome.SPOOL).tag("result", result).register(registry));
  }

  /** Counts the spool (rows, bytes, oldest) every second: the bound's base and the gauges. */
  private void count() {
    long before = appendedEvents;
    long beforeBytes = appendedBytes;
    spool.stats().onComplete(ar -> {
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
        gateRefreshMs = Math.max(200, Math.min(10_000, tookMs * 4));
      }
      gateTimer = vertx.setTimer(gateRefreshMs, id -> refreshGate());
    });
  }

  /** The Kafka answer counts as a failure of Kafka (not of one event): unavailable or unanswered. */
  static boolean kafkaFailed(Outcome[] outcomes) {
    for (Outcome o : outcomes) {
      if (o.failure() == Failure.KAFKA_UNAVAILABLE || o.failure() == Failure.OUTCOME_UNKNOWN) {
        return true;
      }
    }
    return false;
  }

  private static List<Event> pick(List<Event> events, List<Integer> idx) {
    List<Event> out = new ArrayList<>(idx.size());
    idx.forEach(i -> out.add(events.get(i)));
    return out;
  }

  private static String[] pickTopics(String[] topics, List<Integer> idx) {
    String[] out = new String[idx.size()];
    for (int j = 0; j < out.length; j++) {
      out[j] = topics[idx.get(j)];
    }
    return out;
  }

  private static List<Integer> sorted(List<Integer> idx) {
    List<Integer> s = new ArrayList<>(idx);
    s.sort(null);
    return s;
  }
}
