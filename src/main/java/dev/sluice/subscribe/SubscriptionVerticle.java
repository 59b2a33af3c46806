package dev.sluice.subscribe;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.KafkaConfig;
import dev.sluice.config.RabbitConfig;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.config.SubscriptionsConfig.Subscription;
import dev.sluice.deadletter.KafkaDeadLetters;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.fallback.Breaker;
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
 * One subscription: its {@link Input} (Kafka topics, or a RabbitMQ queue) hands messages out; those not
 * of the subscription's event types are done at once; for the others one query tells which were
 * delivered before (skipped: the idempotent consumer) and how many attempts the rest already had; each
 * is delivered by a {@link DeliveryLoop} (one per key at a time when {@code ordered}); a delivered event
 * is recorded in PostgreSQL (batched) before it may be committed or acked. While the sink's breaker is
 * not closed the input holds its partitions paused. Dead letters sent to {@link Addresses#replay} go
 * through the same path, with their attempts reset.
 */
public final class SubscriptionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionVerticle.class);
  private static final long STORE_RETRY_MAX_MS = 5000;

  private final Subscription sub;
  private final SubscriptionsConfig config;
  private final KafkaConfig kafka;
  private final RabbitConfig rabbit;
  private final GatewayState state;
  private final MeterRegistry registry;
  private final long drainTimeoutMs;
  private final Processed store;
  private final KafkaDeadLetters kafkaDeadLetters;
  private final DeadLetterIndex index;
  private final Future<?> schemaReady;
  private final List<Pattern> types = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Delivered events from the source whose record is being written: they are finished once it is. */
  private final java.util.Map<Work, Future<String>> recording = new java.util.IdentityHashMap<>();
  private SubscriptionMetrics metrics;
  private Sink sink;
  private Breaker breaker;
  private DeliveryLoop loop;
  private Input source;
  private KeyedScheduler<Work> scheduler;
  private DoneRecorder recorder;
  private MessageConsumer<StoredDeadLetter> replays;
  private Future<Void> intake = Future.succeededFuture();
  private volatile boolean stopping;
  private boolean reading;

  /** A message to deliver: from the source, or a replay (answered by {@code reply}). */
  private record Work(Message message, Processed.Attempts prior, boolean fromSource, Promise<String> reply) {}

  public SubscriptionVerticle(Subscription sub, SubscriptionsConfig config, KafkaConfig kafka, RabbitConfig rabbit,
      GatewayState state,
      MeterRegistry registry, long drainTimeoutMs, Processed store, KafkaDeadLetters kafkaDeadLetters,
      DeadLetterIndex index, Future<?> schemaReady) {
    this.sub = sub;
    this.config = config;
    this.kafka = kafka;
    this.rabbit = rabbit;
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
    source = sub.fromQueue() ? new QueueInput(vertx, sub, config, rabbit, state, registry)
        : new KafkaInput(sub, config, kafka, state, registry, context, kafkaDeadLetters);
    loop = new DeliveryLoop(vertx, sub, sink, breaker, new Backoff(sub.retry(), () -> ThreadLocalRandom.current()
        .nextDouble()), store, source::deadLetter, index, metrics, () -> stopping);
    recorder = new DoneRecorder(vertx, sub.name(), store);
    scheduler = new KeyedScheduler<>(sub.concurrency(), this::process, this::finished);
    metrics.gauge("sluice.subscription.inflight", "Events taken and not finished (delivering, waiting for a retry "
        + "or for their key)", inFlight::get);
    metrics.gauge("sluice.subscription.paused.partitions", "Partitions paused (backpressure, or the sink's breaker "
        + "not closed)", source::paused);
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
        reading = true;
        source.start(this::accept);
        LOG.info("Subscription {}: {} -> {} (dead letters to {})", sub.name(), sub.fromQueue() ? "queue "
            + sub.queue() : "topics " + sub.topics() + " (group " + config.groupIdPrefix() + "." + sub.name() + ")",
            sub.sink().describe(), sub.deadLetterTarget());
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
        .transform(ar -> reading ? source.stop(drainTimeoutMs) : Future.succeededFuture())
        .transform(ar -> sink.close());
  }

  private void accept(List<Message> messages) {
    List<Work> work = new ArrayList<>(messages.size());
    for (Message m : messages) {
      inFlight.incrementAndGet();
      if (!wanted(m)) {
        metrics.filtered.increment();
        inFlight.decrementAndGet();
        source.done(m);
        continue;
      }
      work.add(new Work(m, null, true, null));
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
          out.add(new Work(w.message(), known.attempts().get(id), w.fromSource(), w.reply()));
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
      boolean hadAttempts = w.prior() != null || result == DeliveryLoop.Result.DELIVERED_AFTER_FAILURES;
      Future<String> recorded = recorder.delivered(w.message().eventId(), sub.idempotent(), hadAttempts)
          .map("delivered");
      if (!w.fromSource()) {
        return recorded; // a replay answers once recorded
      }
      // recorded (idempotency; attempts cleared) before it may be committed or acked (see finished), but
      // the key's next event need not wait for the record: the sink has this one
      recording.put(w, recorded);
      return Future.succeededFuture("delivered");
    }).onComplete(ar -> {
      if (w.reply() != null) {
        w.reply().handle(ar);
      }
    });
  }

  private void finished(Work w, boolean ok) {
    if (!w.fromSource()) {
      return; // a replay: its reply says it
    }
    Future<String> recorded = recording.remove(w);
    if (ok && recorded != null) {
      recorded.onComplete(ar -> {
        inFlight.decrementAndGet();
        source.done(w.message());
      });
      return;
    }
    inFlight.decrementAndGet();
    if (ok) {
      source.done(w.message());
    } else {
      source.abandon(w.message());
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
          scheduler.submit(sub.ordered() ? m.keyText() : null, new Work(m, null, false, reply));
          return reply.future();
        });
  }
}
