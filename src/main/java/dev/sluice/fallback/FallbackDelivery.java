package dev.sluice.fallback;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.BreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kafka behind a circuit breaker, and each route's fallback chain for what Kafka cannot take: events
 * go to Kafka while its breaker is closed and the readiness probe reaches it; those Kafka fails with a
 * retryable error, and all of them while the breaker is open or the probe has lost Kafka (publishes
 * already waiting are then given up on at once rather than after Kafka's delivery timeout: Kafka may
 * still write them, counted as ambiguous), walk their route's chain — each {@code grpc:<target>} (behind its own
 * breaker; its OK answers the event {@code delivered}) and last the {@code spool} (one transaction per
 * request, answered {@code spooled}). Events of a key with events in the spool go to the spool at once,
 * so that none overtakes them ({@link SpoolWriter#holds}). An event whose chain is used up keeps the
 * failure of its last attempt. Confined to the route verticle's loop.
 */
public final class FallbackDelivery implements Delivery {

  /** Kafka's failures that the chain takes over (the event may be sent again as it is). */
  static final Set<Failure> FALLBACK = EnumSet.of(Failure.KAFKA_UNAVAILABLE, Failure.TOPIC_MISSING,
      Failure.REFUSED_WITH_BATCH, Failure.OUTCOME_UNKNOWN, Failure.SHUTTING_DOWN);
  /** Kafka's failures after which it may still have the event: taking it elsewhere may duplicate it. */
  static final Set<Failure> AMBIGUOUS = EnumSet.of(Failure.KAFKA_UNAVAILABLE, Failure.OUTCOME_UNKNOWN);

  /** A gRPC target and its breaker. */
  private record Link(FallbackTarget target, Breaker breaker) {}

  private final SpoolWriter spool;
  private final dev.sluice.bus.GatewayState state;
  /** Kafka publishes waiting for their answer: given up on when the readiness probe loses Kafka. */
  private final java.util.Set<Promise<Outcome[]>> waiting = new java.util.HashSet<>();
  private long watchTimer = -1;
  private final List<FallbackTarget> targetList;
  private final BreakerConfig kafkaBreaker;
  private final BreakerConfig targetBreaker;
  private final MeterRegistry registry;
  private final DeliveryOptions publish;
  private final Map<String, Link> links = new HashMap<>();
  private final Map<String, Counter> counters = new HashMap<>();
  private Vertx vertx;
  private Context context;
  private Breaker breaker;
  private Counter ambiguous;

  /**
   * Kafka with the configured fallbacks: the spool (when {@code spool} is not null) and the gRPC
   * targets of {@code fallback}.
   */
  public static FallbackDelivery create(Vertx vertx, dev.sluice.store.Spool spool, Future<?> schemaReady,
      dev.sluice.config.SpoolConfig spooling,
      dev.sluice.config.FallbackConfig fallback, BreakerConfig kafkaBreaker, dev.sluice.bus.GatewayState state,
      long publishTimeoutMs, MeterRegistry registry) {
    SpoolWriter writer = spool == null ? null : new SpoolWriter(spool, schemaReady, spooling.maxEvents(), spooling.maxBytes(),
        spooling.appendTimeoutMs(), state, registry);
    List<FallbackTarget> targets = new ArrayList<>();
    fallback.targets().forEach((name, cfg) -> targets.add(new GrpcTarget(vertx, cfg)));
    return new FallbackDelivery(writer, targets, kafkaBreaker, fallback.grpcBreaker(), state, publishTimeoutMs,
        registry);
  }

  /**
   * @param spool the spool's writer, or null when the spool is off
   * @param targets the gRPC targets (their links are {@code grpc:<name>})
   */
  FallbackDelivery(SpoolWriter spool, List<FallbackTarget> targets, BreakerConfig kafkaBreaker,
      BreakerConfig targetBreaker, dev.sluice.bus.GatewayState state, long publishTimeoutMs, MeterRegistry registry) {
    this.spool = spool;
    this.state = state;
    this.targetList = List.copyOf(targets);
    this.kafkaBreaker = kafkaBreaker;
    this.targetBreaker = targetBreaker;
    this.registry = registry;
    this.publish = new DeliveryOptions().setSendTimeout(publishTimeoutMs);
  }

  @Override
  public Future<Void> start(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    breaker = breaker("kafka", kafkaBreaker);
    for (FallbackTarget t : targetList) {
      links.put(t.name(), new Link(t, breaker(t.name(), targetBreaker)));
    }
    ambiguous = Counter.builder("sluice.fallback.ambiguous")
        .description("Events taken by a fallback after a Kafka failure that may still have written them"
            + " (possible duplicates)")
        .register(registry);
    watchTimer = vertx.setPeriodic(WATCH_MS, id -> {
      if (!state.kafkaUp() && !waiting.isEmpty()) {
        List<Promise<Outcome[]>> all = new ArrayList<>(waiting);
        waiting.clear();
        all.forEach(p -> p.tryFail(new KafkaWentAway()));
      }
    });
    return spool == null ? Future.succeededFuture() : spool.start(vertx);
  }

  /** How often waiting publishes are checked against the readiness probe. */
  private static final long WATCH_MS = 200;

  /** The readiness probe lost Kafka while a publish waited for its answer. */
  private static final class KafkaWentAway extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KafkaWentAway() {
      super("Kafka became unreachable while the event waited for its acknowledgement (Kafka may still write"
          + " it: a possible duplicate)", null, false, false);
    }
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(watchTimer);
    if (spool != null) {
      spool.stop();
    }
    return Future.join(targetList.stream().map(FallbackTarget::close).toList()).mapEmpty();
  }

  /** True while Kafka's breaker lets events through. */
  public boolean kafkaClosed() {
    return breaker != null && breaker.closed();
  }

  /**
   * Kafka acknowledged events (the relay's): evidence enough to close its breaker when half-open.
   * Without it, while every key is held by the spool, no direct call would come to be the trial. Any
   * thread.
   */
  public void kafkaWorks() {
    if (context != null && breaker != null && !breaker.closed()) {
      context.runOnContext(v -> breaker.close("Kafka acknowledged the relay's events"));
    }
  }

  @Override
  public Future<Outcome[]> deliver(List<Event> events, String[] topics, Chain[] chains, String traceparent) {
    int n = events.size();
    Outcome[] out = new Outcome[n];
    List<Integer> toKafka = new ArrayList<>(n);
    List<Integer> toSpool = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (spool != null && spool.holds(topics[i], events.get(i).key())) {
        toSpool.add(i);
      } else {
        toKafka.add(i);
      }
    }
    List<Integer> toChain = new ArrayList<>();
    Future<Void> kafka = toKafka.isEmpty() ? Future.succeededFuture()
        : kafka(events, topics, chains, traceparent, toKafka, out, toChain);
    return kafka
        .compose(v -> walk(events, topics, chains, traceparent, toChain, 0, out, toSpool))
        .compose(v -> toSpool.isEmpty() ? Future.succeededFuture()
            : spool.append(events, topics, traceparent, sorted(toSpool), out, this::count))
        .map(v -> out);
  }

  /** Publishes the events at {@code idx} through Kafka's breaker; what Kafka cannot take joins {@code toChain}. */
  private Future<Void> kafka(List<Event> events, String[] topics, Chain[] chains, String traceparent,
      List<Integer> idx, Outcome[] out, List<Integer> toChain) {
    List<Event> sub = idx.size() == events.size() ? events : pick(events, idx);
    String[] subTopics = idx.size() == events.size() ? topics : pick(topics, idx);
    Future<Outcome[]> answer;
    if (!state.kafkaUp()) {
      // the readiness probe has lost Kafka: no publish to wait for its delivery timeout
      breaker.open("the readiness probe lost Kafka");
      answer = Future.failedFuture(new IllegalStateException("Kafka is unreachable; retry later"));
    } else {
      Promise<Outcome[]> p = Promise.promise();
      waiting.add(p);
      breaker.<Outcome[]>call(() -> Delivery.publish(vertx, publish, sub, subTopics, traceparent),
          FallbackDelivery::kafkaFailed).onComplete(ar -> {
            waiting.remove(p);
            if (ar.succeeded()) {
              p.tryComplete(ar.result());
            } else {
              p.tryFail(ar.cause());
            }
          });
      answer = p.future();
    }
    return answer
        .transform(ar -> {
          for (int j = 0; j < idx.size(); j++) {
            int i = idx.get(j);
            Outcome o = ar.succeeded() ? ar.result()[j]
                : Outcome.failed(Failure.KAFKA_UNAVAILABLE, Breaker.rejected(ar.cause())
                    ? "Kafka's circuit breaker is open (Kafka failed too often); retry later"
                    : ar.cause().getMessage());
            if (o.isAccepted() || !FALLBACK.contains(o.failure()) || chains[i].links().isEmpty()) {
              out[i] = o;
              continue;
            }
            if ((ar.succeeded() && AMBIGUOUS.contains(o.failure())) || ar.cause() instanceof KafkaWentAway) {
              ambiguous.increment();
            }
            out[i] = o; // kept if the chain takes it nowhere
            toChain.add(i);
          }
          return Future.succeededFuture();
        });
  }

  /**
   * Offers the events at {@code idx} to link {@code depth} of their chains: gRPC targets now (one call
   * per target), the spool (always last) by adding them to {@code toSpool}; what a target leaves goes
   * one link further.
   */
  private Future<Void> walk(List<Event> events, String[] topics, Chain[] chains, String traceparent,
      List<Integer> idx, int depth, Outcome[] out, List<Integer> toSpool) {
    if (idx.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, List<Integer>> byTarget = new LinkedHashMap<>();
    for (int i : idx) {
      List<String> chain = chains[i].links();
      if (depth >= chain.size()) {
        continue; // used up: keeps its last failure
      }
      String link = chain.get(depth);
      if (link.equals(Outcome.SPOOL)) {
        toSpool.add(i);
      } else {
        byTarget.computeIfAbsent(link, k -> new ArrayList<>()).add(i);
      }
    }
    List<Integer> next = new ArrayList<>();
    List<Future<Void>> calls = new ArrayList<>();
    byTarget.forEach((name, sub) -> calls.add(target(links.get(name), events, topics, traceparent, sub, out, next)));
    return Future.join(calls).transform(x -> {
      next.sort(null);
      return walk(events, topics, chains, traceparent, next, depth + 1, out, toSpool);
    });
  }

  private Future<Void> target(Link link, List<Event> events, String[] topics, String traceparent,
      List<Integer> idx, Outcome[] out, List<Integer> next) {
    String via = link.target().name();
    return link.breaker().<Outcome[]>call(() -> link.target().deliver(pick(events, idx), pick(topics, idx), traceparent),
            GrpcTarget::targetFailed)
        .transform(ar -> {
          for (int j = 0; j < idx.size(); j++) {
            int i = idx.get(j);
            Outcome o = ar.succeeded() ? ar.result()[j]
                : Outcome.failed(Failure.KAFKA_UNAVAILABLE, via + ": its circuit breaker is open");
            if (o.isAccepted()) {
              out[i] = o;
              count(topics[i], via, "delivered");
            } else if (o.failure().retryable()) {
              out[i] = o;
              count(topics[i], via, "failed");
              next.add(i);
            } else {
              out[i] = o;
              count(topics[i], via, "rejected");
            }
          }
          return Future.succeededFuture();
        });
  }

  private void count(String topic, String result) {
    count(topic, Outcome.SPOOL, result);
  }

  private void count(String topic, String via, String result) {
    counters.computeIfAbsent(topic + '\u0000' + via + '\u0000' + result, k -> Counter.builder("sluice.fallback.events")
        .description("Events that took a fallback, by route topic, fallback and result")
        .tag("route", topic).tag("via", via).tag("result", result).register(registry)).increment();
  }

  private Breaker breaker(String name, BreakerConfig b) {
    return new Breaker(vertx, name, b.windowMs(), b.minCalls(), b.failureRatePercent() / 100.0, b.resetMs(), registry);
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

  private static String[] pick(String[] values, List<Integer> idx) {
    String[] out = new String[idx.size()];
    Arrays.setAll(out, j -> values[idx.get(j)]);
    return out;
  }

  private static List<Integer> sorted(List<Integer> idx) {
    List<Integer> s = new ArrayList<>(idx);
    s.sort(null);
    return s;
  }
}
