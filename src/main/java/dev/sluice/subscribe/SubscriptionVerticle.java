package dev.sluice.subscribe;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.KafkaConfig;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.config.SubscriptionsConfig.Subscription;
import dev.sluice.deadletter.KafkaDeadLetters;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.fallback.Breaker;
import dev.sluice.pool.KafkaSource;
import dev.sluice.pool.KeyedScheduler;
import dev.sluice.route.RoutingTable;
import dev.sluice.store.Processed;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription reading Kafka topics: a consumer-group member of {@code <group-id-prefix>.<name>}
 * hands records out; those not of the subscription's event types are done at once; for the others
 * one query tells which were delivered before (skipped: the idempotent consumer) and how many attempts
 * the rest already had; each is delivered by a {@link DeliveryLoop} (one per key at a time when {@code
 * ordered}); a delivered event is recorded in PostgreSQL (batched) before its offset may be committed.
 * While the sink's breaker is not closed the source holds its partitions paused. Dead letters sent to
 * {@link Addresses#replay} go through the same path, with their attempts reset.
 */
public final class SubscriptionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionVerticle.class);
  private static final long STORE_RETRY_MAX_MS = 5000;

  private final Subscription sub;
  private final SubscriptionsConfig config;
  private final KafkaConfig kafka;
  private final GatewayState state;
  private final MeterRegistry registry;
  private final long drainTimeoutMs;
  private final Processed store;
  private final KafkaDeadLetters kafkaDeadLetters;
  private final DeadLetterIndex index;
  private final Future<?> schemaReady;
  private final List<Pattern> types = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private SubscriptionMetrics metrics;
  private Sink sink;
  private Breaker breaker;
  private DeliveryLoop loop;
  private KafkaSource source;
  private KeyedScheduler<Work> scheduler;
  private DoneRecorder recorder;
  private MessageConsumer<StoredDeadLetter> replays;
  private Future<Void> intake = Future.succeededFuture();
  private volatile boolean stopping;

  /** A message to deliver: from the source ({@code item}) or a replay ({@code reply}). */
  private record Work(Message message, Processed.Attempts prior, KafkaSource.Item item, Promise<String> reply) {}

  public SubscriptionVerticle(Subscription sub, SubscriptionsConfig config, KafkaConfig kafka, GatewayState state,
      MeterRegistry registry, long drainTimeoutMs, Processed store, KafkaDeadLetters kafkaDeadLetters,
      DeadLetterIndex index, Future<?> schemaReady) {
    this.sub = sub;
    this.config = config;
    this.kafka = kafka;
    this.state = state;
    this.registry = registry;
    this.drainTimeoutMs = drainTimeoutMs;
    this.store = store;
    this.kafkaDeadLetters = kafkaDeadLetters;
    this.index = index;
    this.schemaReady = schemaReady;
    sub.eventTypes().forEach(t -> types.add(RoutingTable.compile(t)));
  }

  @Override
  public Future<?> start() {
    metrics = new SubscriptionMetrics(registry, sub.name());
    sink = Sinks.create(vertx, sub.sink(), sub.concurrency());
    var b = sub.breaker();
    breaker = new Breaker(vertx, "subscription:" + sub.name(), b.windowMs(), b.minCalls(),
        b.failureRatePercent() / 100.0, b.resetMs(), registry);
    loop = new DeliveryLoop(vertx, sub, sink, breaker, new Backoff(sub.retry(), () -> ThreadLocalRandom.current()
        .nextDouble()), store, kafkaDeadLetters, index, metrics, () -> stopping);
    recorder = new DoneRecorder(vertx, sub.name(), store);
    scheduler = new KeyedScheduler<>(sub.concurrency(), this::process, this::finished);
    int perSource = config.maxInFlightPerSource();
    source = new KafkaSource(sub.name(),
        kafka.consumerProperties(config.groupIdPrefix() + "." + sub.name(), "sub-" + sub.name(), perSource, 300_000),
        sub.topics(), perSource, new AtomicInteger(), Integer.MAX_VALUE, context, this::accept, registry, state,
        "sluice.subscription.lag", "subscription");
    metrics.gauge("sluice.subscription.inflight", "Events taken and not finished (delivering, waiting for a retry "
        + "or for their key)", inFlight::get);
    metrics.gauge("sluice.subscription.paused.partitions", "Partitions paused (backpressure, or the sink's breaker "
        + "not closed)", source::pausedPartitions);
    vertx.setPeriodic(100, id -> source.hold(!breaker.closed()));
    replays = vertx.eventBus().consumer(Addresses.replay(sub.name()), msg -> replay(msg.body()).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        msg.fail(503, ar.cause().getMessage());
      }
    }));
    // consume once the schema is there (the idempotency and attempts tables)
    schemaReady.onComplete(ar -> {
      if (!stopping) {
        source.start();
        LOG.info("Subscription {}: {} -> {} (group {}.{}, dead letters to {})", sub.name(), sub.topics(),
            sub.sink().describe(), config.groupIdPrefix(), sub.name(), sub.deadLetterTarget());
      }
    });
    return replays.completion();
  }

  /** Stops reading; what waits for a retry is given up (read again later); what is at the sink finishes. */
  @Override
  public Future<?> stop() {
    stopping = true;
    loop.abandonWaiting();
    return replays.unregister()
        .transform(ar -> source.stop(drainTimeoutMs))
        .transform(ar -> sink.close());
  }

  private void accept(List<KafkaSource.Item> items) {
    List<Work> work = new ArrayList<>(items.size());
    for (KafkaSource.Item item : items) {
      Message m = Message.of(item.record(), item);
      inFlight.incrementAndGet();
      if (!wanted(m)) {
        metrics.filtered.increment();
        inFlight.decrementAndGet();
        source.done(item);
        continue;
      }
      work.add(new Work(m, null, item, null));
    }
    if (work.isEmpty()) {
      return;
    }
    // one lookup per batch, batches in the order read (so a key's records are queued in order)
    intake = intake.transform(ar -> lookup(work, 100)).onSuccess(this::submit).mapEmpty();
  }

  private boolean wanted(Message m) {
    if (types.isEmpty()) {
      return true;
    }
    if (m.eventType() == null) {
      return false;
    }
    for (Pattern p : types) {
      if (p.matcher(m.eventType()).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Which were delivered before, and the attempts of the others; tried again while the store fails. */
  private Future<List<Work>> lookup(List<Work> work, long retryMs) {
    List<String> ids = work.stream().map(w -> w.message().eventId()).toList();
    return store.lookup(sub.name(), ids, sub.idempotent()).map(known -> {
      List<Work> out = new ArrayList<>(work.size());
      for (Work w : work) {
        String id = w.message().eventId();
        if (known.delivered().contains(id)) {
          metrics.duplicates.increment();
          finished(w, true);
        } else {
          out.add(new Work(w.message(), known.attempts().get(id), w.item(), w.reply()));
        }
      }
      return out;
    }).recover(err -> {
      if (stopping) {
        work.forEach(w -> finished(w, false));
        return Future.succeededFuture(List.of());
      }
      LOG.warn("Subscription {}: cannot read its state from PostgreSQL ({}); its deliveries wait", sub.name(),
          err.toString());
      Promise<List<Work>> again = Promise.promise();
      vertx.setTimer(retryMs, id -> lookup(work, Math.min(STORE_RETRY_MAX_MS, retryMs * 2)).onComplete(again));
      return again.future();
    });
  }

  private void submit(List<Work> work) {
    for (Work w : work) {
      scheduler.submit(sub.ordered() ? w.message().keyText() : null, w);
    }
  }

  private Future<String> process(Work w) {
    return loop.run(w.message(), w.prior()).compose(result -> {
      if (result == DeliveryLoop.Result.DEAD_LETTERED) {
        return Future.succeededFuture("dead-lettered");
      }
      metrics.delivered.increment();
      // recorded (idempotency; attempts cleared) before its offset may be committed
      boolean record = sub.idempotent() || w.prior() != null || result == DeliveryLoop.Result.DELIVERED_AFTER_FAILURES;
      return recorder.delivered(w.message().eventId(), record).map("delivered");
    }).onComplete(ar -> {
      if (w.reply() != null) {
        w.reply().handle(ar);
      }
    });
  }

  private void finished(Work w, boolean ok) {
    if (w.item() == null) {
      return; // a replay: its reply says it
    }
    inFlight.decrementAndGet();
    if (ok) {
      source.done(w.item());
    } else {
      source.abandon(w.item());
    }
  }

  /** A dead letter delivered again: the same way as from the source, with its attempts reset. */
  private Future<String> replay(StoredDeadLetter d) {
    Message m = Message.of(d);
    if (!wanted(m)) {
      return Future.succeededFuture("skipped");
    }
    return store.clearAttempts(sub.name(), m.eventId())
        .compose(v -> store.lookup(sub.name(), List.of(m.eventId()), sub.idempotent()))
        .compose(known -> {
          if (known.delivered().contains(m.eventId())) {
            metrics.duplicates.increment();
            return Future.succeededFuture("skipped");
          }
          Promise<String> reply = Promise.promise();
          scheduler.submit(sub.ordered() ? m.keyText() : null, new Work(m, null, null, reply));
          return reply.future();
        });
  }
}
