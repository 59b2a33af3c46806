package dev.sluice.fallback;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.store.Spool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the spool into Kafka while Kafka takes events: leases shards (one relay per shard across every
 * gateway process, see {@code db/V1__spool.sql}; a process runs {@code spool.relay-workers} relays, each
 * on a share of the shards, so that their publishes overlap), reads their oldest rows in the order they were
 * accepted, publishes them through the gateway's one producer ({@link Addresses#KAFKA_PUBLISH}) and
 * removes a row only once Kafka acknowledged it. A row read again after a relay lost it (a crash, an
 * expired lease) may reach Kafka twice: counted as {@code sluice_relay_resent_total}, and its {@code
 * event-id} header lets consumers drop it. A failed row stays and is read again later.
 */
public final class RelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);
  private static final long IDLE_MS = 200;
  private static final long BACKOFF_MS = 1000;
  private static final long LOG_EVERY_MS = 10_000;

  /**
   * Failures after which the event surely is not in Kafka; after the others (a delivery timeout) it
   * may be, so its next read counts as a possible second send.
   */
  private static final java.util.Set<Failure> NOT_WRITTEN = java.util.EnumSet.of(
      Failure.TOPIC_MISSING, Failure.SHUTTING_DOWN, Failure.REFUSED_WITH_BATCH, Failure.BROKER_REJECTED);

  private final Spool spool;
  private final Future<?> schemaReady;
  private final BooleanSupplier kafkaTakesEvents;
  private final Runnable kafkaWorks;
  private final int batchSize;
  private final int maxShards;
  private final long leaseMs;
  private final DeliveryOptions publish;
  private final MeterRegistry registry;
  private final String owner = "relay-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
  private Counter sent;
  private Counter failed;
  private Counter resent;
  private boolean busy;
  private boolean stopped;
  private long timer = -1;
  private long renewTimer = -1;
  private long loggedAtMs;
  private long relayedSinceIdle;
  private List<Integer> held = List.of();
  private long leasedAtMs;

  /**
   * @param schemaReady completes once the store's schema is migrated: the relay starts then
   * @param kafkaTakesEvents whether to relay now (Kafka reachable, not draining)
   * @param kafkaWorks told when Kafka acknowledged relayed events (closes Kafka's breaker)
   * @param maxShards shards this relay holds at most, so that several relays of a process share them
   * @param publishTimeoutMs how long to wait for the publisher's answer (past its own bound)
   */
  public RelayVerticle(Spool spool, Future<?> schemaReady, BooleanSupplier kafkaTakesEvents, Runnable kafkaWorks,
      int batchSize, int maxShards, long leaseMs, long publishTimeoutMs, MeterRegistry registry) {
    this.schemaReady = schemaReady;
    this.maxShards = maxShards;
    this.spool = spool;
    this.kafkaTakesEvents = kafkaTakesEvents;
    this.kafkaWorks = kafkaWorks;
    this.batchSize = batchSize;
    this.leaseMs = leaseMs;
    this.publish = new DeliveryOptions().setSendTimeout(publishTimeoutMs);
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    sent = Counter.builder("sluice.relay.events").tag("result", "sent")
        .description("Spooled events the relay published to Kafka (acknowledged) or could not").register(registry);
    failed = Counter.builder("sluice.relay.events").tag("result", "failed").register(registry);
    resent = Counter.builder("sluice.relay.resent")
        .description("Spooled events read again after a relay lost them (may reach Kafka twice)").register(registry);
    renewTimer = vertx.setPeriodic(Math.max(100, leaseMs / 3), id -> {
      if (busy) {
        spool.lease(owner, leaseMs, maxShards); // keep the shards while a slow publish is under way
      }
    });
    schemaReady.onComplete(ar -> schedule(0));
    return Future.succeededFuture();
  }

  /** Stops after the cycle under way; its rows are removed once acknowledged, or read again later. */
  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(renewTimer);
    return Future.succeededFuture();
  }

  /** The relay's lease owner name (for logs and tests). */
  public String owner() {
    return owner;
  }

  private void schedule(long delayMs) {
    if (stopped) {
      return;
    }
    if (delayMs == 0) {
      context.runOnContext(v -> cycle());
    } else {
      timer = vertx.setTimer(delayMs, id -> cycle());
    }
  }

  private void cycle() {
    if (busy || stopped) {
      return;
    }
    if (!kafkaTakesEvents.getAsBoolean()) {
      schedule(IDLE_MS);
      return;
    }
    busy = true;
    // while draining, the shards held are read on; the leases are taken again (renewed, and shards
    // emptied or freed by others looked at) a few times per lease period, not every cycle
    long now = System.currentTimeMillis();
    boolean renew = held.isEmpty() || now - leasedAtMs >= Math.max(100, leaseMs / 3);
    Future<List<Integer>> leased = renew
        ? spool.lease(owner, leaseMs, maxShards).onSuccess(x -> leasedAtMs = now)
        : Future.succeededFuture(held);
    leased
        .compose(shards -> {
          if (shards.isEmpty()) {
            if (relayedSinceIdle > 0) {
              LOG.info("Relay {}: relayed {} spooled events into Kafka; its shards are empty", owner, relayedSinceIdle);
              relayedSinceIdle = 0;
            }
            return Future.succeededFuture(0);
          }
          if (relayedSinceIdle == 0) {
            LOG.info("Relay {}: draining {} shards of the spool into Kafka", owner, shards.size());
          }
          held = shards;
          // every read starts at the oldest row: a row committed late, below rows already read (its
          // insert took its id earlier), must still go before the later rows of its key
          return spool.take(owner, shards, batchSize).compose(rows -> {
            if (rows.size() < batchSize) {
              leasedAtMs = 0; // caught up: look at the leases again next time
            }
            return relay(rows);
          });
        })
        .onComplete(ar -> {
          busy = false;
          if (ar.failed()) {
            log(ar.cause());
            schedule(BACKOFF_MS);
          } else {
            relayedSinceIdle += ar.result();
            schedule(ar.result() == batchSize ? 0 : IDLE_MS);
          }
        });
  }

  /** Publishes the rows; completes with how many were read, or fails when Kafka failed some. */
  private Future<Integer> relay(List<Spool.Spooled> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture(0);
    }
    int n = rows.size();
    List<Event> events = new ArrayList<>(n);
    String[] topics = new String[n];
    String[] traceparents = new String[n];
    for (int i = 0; i < n; i++) {
      Spool.Spooled r = rows.get(i);
      if (r.readBefore()) {
        resent.increment();
      }
      events.add(new Event(i, r.eventId(), r.eventType(), r.eventVersion(), r.key(), r.correlationId(), r.value(),
          r.tenant()));
      topics[i] = r.topic();
      traceparents[i] = r.traceparent();
    }
    return vertx.eventBus()
        .<BatchOutcome>request(Addresses.KAFKA_PUBLISH, new Batch(events, topics, null, traceparents), publish)
        .compose(reply -> {
          Outcome[] outcomes = reply.body().outcomes();
          List<Long> acked = new ArrayList<>(n);
          List<Long> later = new ArrayList<>();
          List<Spool.Spooled> surelyNotWritten = new ArrayList<>();
          List<Spool.Spooled> refused = new ArrayList<>();
          String firstFailure = null;
          for (int i = 0; i < n; i++) {
            Outcome o = outcomes[i];
            long id = rows.get(i).id();
            if (o.isAccepted()) {
              acked.add(id);
              continue;
            }
            if (o.failure() == Failure.EVENT_TOO_LARGE) {
              refused.add(rows.get(i));
              LOG.error("Relay {}: Kafka refuses spooled event {} for good ({}); moved to sluice_spool_refused",
                  owner, rows.get(i).eventId(), o.message());
              continue;
            }
            later.add(id);
            firstFailure = firstFailure == null ? o.message() : firstFailure;
            if (NOT_WRITTEN.contains(o.failure())) {
              surelyNotWritten.add(rows.get(i)); // its next read is no second send
            }
          }
          sent.increment(acked.size());
          if (!acked.isEmpty()) {
            kafkaWorks.run();
          }
          failed.increment(later.size() + refused.size());
          String failure = firstFailure;
          Future<Void> done = spool.remove(acked).mapEmpty();
          for (Spool.Spooled r : refused) {
            done = done.compose(x -> spool.refuse(List.of(r.id()), "Kafka refused it: too large"));
          }
          if (!later.isEmpty()) {
            done = done.compose(x -> spool.retryLater(later, BACKOFF_MS));
          }
          if (!surelyNotWritten.isEmpty()) {
            done = done.compose(x -> spool.unsent(surelyNotWritten));
          }
          return done.compose(x -> later.isEmpty() ? Future.succeededFuture(n) : Future.failedFuture(
              new IllegalStateException(later.size() + " of " + n + " spooled events not taken by Kafka: " + failure)));
        });
  }

  private void log(Throwable cause) {
    long now = System.currentTimeMillis();
    if (now - loggedAtMs >= LOG_EVERY_MS) {
      LOG.warn("Relay {}: {}; trying again", owner, cause.toString());
      loggedAtMs = now;
    }
  }
}
