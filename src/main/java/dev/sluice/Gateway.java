package dev.sluice;

import dev.sluice.admin.AdminVerticle;
import dev.sluice.bridge.KafkaToRabbitVerticle;
import dev.sluice.bridge.RabbitToKafkaVerticle;
import dev.sluice.config.BridgeConfig;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.bus.LocalCodec;
import dev.sluice.config.SluiceConfig;
import dev.sluice.ingest.IngestVerticle;
import dev.sluice.ingest.StreamStats;
import dev.sluice.kafka.KafkaHealthVerticle;
import dev.sluice.kafka.KafkaPublisherVerticle;
import dev.sluice.quota.Quotas;
import dev.sluice.quota.Tenancy;
import dev.sluice.quota.TenantMetrics;
import dev.sluice.fallback.Delivery;
import dev.sluice.fallback.RelayVerticle;
import dev.sluice.fallback.FallbackDelivery;
import dev.sluice.store.DeadLetters;
import dev.sluice.store.Idempotency;
import dev.sluice.ingest.IdempotencyGate;
import dev.sluice.store.Processed;
import dev.sluice.store.Spool;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.deadletter.KafkaDeadLetters;
import dev.sluice.subscribe.SubscriptionVerticle;
import dev.sluice.subscribe.SweepVerticle;
import dev.sluice.store.Store;
import dev.sluice.route.RouteVerticle;
import dev.sluice.config.ConfigException;
import dev.sluice.schema.PayloadCheck;
import dev.sluice.schema.SchemaSet;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: its Vert.x instance, metrics registry, shared state, and the parts deployed in
 * order (Kafka publisher, Kafka probe, route, ingest, bridge routes, admin). {@link #shutdown()} stops
 * the bridge routes and drains ingest at once, then undeploys the rest in reverse order.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final SluiceConfig config;
  private final PayloadCheck payloads;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final GatewayState state = new GatewayState();
  private final InFlight inFlight;
  private final StreamStats streamStats;
  private final List<String> deployments = new ArrayList<>();
  /** The bridge routes: stopped all at once when the shutdown starts, apart from {@link #deployments}. */
  private final List<String> bridgeDeployments = new ArrayList<>();
  /** The bridge's process-wide in-flight count (0 once every route finished what it took). */
  private final AtomicInteger bridgeInFlight = new AtomicInteger();
  private Future<Boolean> shutdown;
  private Store store;
  private Future<Integer> migrated = Future.succeededFuture(0);
  private Spool spool;
  private FallbackDelivery fallback;
  private KafkaDeadLetters deadLetterProducer;
  private DeadLetters deadLetters;
  private Future<Idempotency> idempotency;
  /** Completes once the store of Idempotency-Keys is open: their sweep starts then. */
  private final Promise<Void> idempotencyOpen = Promise.promise();

  private Gateway(SluiceConfig config, PayloadCheck payloads) {
    this.config = config;
    this.payloads = payloads;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.inFlight = new InFlight(config.limits().maxInFlightEvents(), config.limits().maxInFlightBytes());
    VertxOptions options =
        new VertxOptions()
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    this.vertx = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
    LocalCodec.registerAll(vertx.eventBus());
    this.streamStats = new StreamStats(registry);
    Gauge.builder("sluice.inflight.events", inFlight, InFlight::events)
        .description("Events admitted and not yet answered")
        .register(registry);
    Gauge.builder("sluice.inflight.bytes", inFlight, InFlight::bytes)
        .description("Request bytes admitted and not yet answered")
        .register(registry);
  }

  /**
   * Starts a gateway with the payload schemas {@code config} names; fails when they cannot be used or a
   * part cannot start.
   */
  public static Future<Gateway> start(SluiceConfig config) {
    PayloadCheck payloads;
    try {
      payloads = SchemaSet.load(config.schemas());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    return start(config, payloads);
  }

  /** Starts a gateway; fails (after releasing what it started) when a part cannot start. */
  public static Future<Gateway> start(SluiceConfig config, PayloadCheck payloads) {
    Gateway gateway = new Gateway(config, payloads);
    return gateway
        .deployAll()
        .map(v -> gateway)
        .recover(
            err -> {
              LOG.error("A part failed to start: {}", err.toString());
              gateway.vertx.close(); // its completion would run on a closed event loop
              return Future.failedFuture(err);
            });
  }

  private Future<Void> deployAll() {
    var kafka = config.kafka();
    // each waits longer than the part it waits for, so an answer always comes from the publisher
    long publishTimeout = kafka.publishAnswerBoundMs() + 1000;
    long routeTimeout = publishTimeout + 1000;
    int ingestInstances =
        config.http().instances() > 0
            ? config.http().instances()
            : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    dev.sluice.auth.Authenticator auth;
    try {
      auth = authenticator(); // one for every ingest instance: its caches and JWKS fetches are shared
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    Tenancy tenancy = new Tenancy(config.routing(), Quotas.system(), new TenantMetrics(registry));
    IdempotencyGate gate = config.idempotency().enabled() ? new IdempotencyGate(config.idempotency(),
        config.idempotency().leaseMs(routeTimeout), this::idempotencyStore, registry, "http") : null;
    return deploy(new KafkaPublisherVerticle(kafka, state, config.limits().maxInFlightBytes(), registry,
        config.routing()))
        .compose(v -> deploy(new KafkaHealthVerticle(kafka, routeTopics(), state, registry)))
        .compose(v -> deploy(new RouteVerticle(config.routing(), config.fallback(), config.spool().enabled(),
            delivery(publishTimeout))))
        .compose(
            v ->
                record(
                    vertx.deployVerticle(
                        () ->
                            new IngestVerticle(
                                config.http(),
                                config.websocket(),
                                config.grpc(),
                                streamStats,
                                config.limits(),
                                state,
                                inFlight,
                                registry,
                                routeTimeout,
                                gate,
                                payloads,
                                auth,
                                tenancy),
                        new DeploymentOptions().setInstances(ingestInstances))))
        .compose(v -> deployBridge())
        .compose(v -> deploySubscriptions())
        .compose(v -> deployRelay(publishTimeout))
        .compose(v -> deployIdempotencySweep())
        .compose(v -> deploy(new AdminVerticle(config.admin(), state, inFlight, registry, deadLetters,
            config.subscriptions())))
        .onSuccess(
            v ->
                LOG.info(
                    "Sluice ready to start: ingest http://{}:{}{} ({} instances), admin http://{}:{}",
                    config.http().host(),
                    config.http().port(),
                    "/v1/events",
                    ingestInstances,
                    config.admin().host(),
                    config.admin().port()));
  }

  /**
   * Kafka only, or Kafka with fallbacks behind it (the gRPC targets, and the spool, whose store is then
   * opened and migrated in the background).
   */
  private Delivery delivery(long publishTimeout) {
    if (!config.fallback().any(config.spool().enabled())) {
      return Delivery.kafka(vertx, publishTimeout);
    }
    if (config.spool().enabled()) {
      openStore();
      spool = new Spool(store);
      state.fallbackConfigured(true);
    }
    fallback = FallbackDelivery.create(vertx, spool, migrated, config.spool(), config.fallback(), config.kafkaBreaker(), state,
        publishTimeout, registry);
    return fallback;
  }

  /**
   * The sweep of expired Idempotency-Keys: it starts once their store is open — at once when the spool
   * or subscriptions opened it, else on the first request with a key (a gateway that never gets one
   * never connects to PostgreSQL for them).
   */
  private Future<Void> deployIdempotencySweep() {
    var idem = config.idempotency();
    if (!idem.enabled()) {
      return Future.succeededFuture();
    }
    if (store != null) {
      idempotencyStore();
    }
    return deploy(new SweepVerticle("expired idempotency key(s)",
        batch -> idempotencyStore().compose(s -> s.sweep(batch)), idem.sweepIntervalMs(), idem.sweepBatch(),
        idempotencyOpen.future()));
  }

  /** The store of Idempotency-Keys, opened (and migrated) on first use. */
  private synchronized Future<Idempotency> idempotencyStore() {
    if (idempotency == null) {
      openStore();
      Idempotency keys = new Idempotency(store);
      idempotency = migrated.map(v -> keys);
      idempotency.onSuccess(v -> idempotencyOpen.tryComplete());
    }
    return idempotency;
  }

  /** Opens the store and migrates its schema in the background (once: the spool, subscriptions and keys share it). */
  private synchronized void openStore() {
    if (store == null) {
      var s = config.store();
      store = Store.create(vertx, s.uri(), s.schema(), s.maxConnections());
      migrated = store.migrate(2000);
    }
  }

  /**
   * One verticle per subscription, with the dead-letter producer and the sweeper of processed events
   * they share; nothing when none is configured. They stop with the bridge routes, side by side.
   */
  private Future<Void> deploySubscriptions() {
    SubscriptionsConfig subs = config.subscriptions();
    if (!subs.enabled()) {
      return Future.succeededFuture();
    }
    openStore();
    Processed processed = new Processed(store);
    deadLetterProducer = new KafkaDeadLetters(vertx, config.kafka().producerProperties(32L << 20, "dead-letters"));
    deadLetters = new DeadLetters(store);
    long drain = config.shutdown().drainTimeoutMs();
    Future<Void> chain = deploy(new SweepVerticle("processed event(s)",
        batch -> processed.sweep(subs.processedTtlMs(), batch), subs.sweepIntervalMs(), subs.sweepBatch(), migrated));
    for (SubscriptionsConfig.Subscription sub : subs.subscriptions()) {
      chain = chain.compose(v -> deployRoute(new SubscriptionVerticle(sub, subs, config.kafka(), config.rabbitmq(), state, registry,
          drain, processed, deadLetterProducer, deadLetters::put, migrated)));
    }
    return chain.onSuccess(v -> LOG.info("Subscriptions: {}", subs.subscriptions().stream()
        .map(SubscriptionsConfig.Subscription::name).toList()));
  }

  /** The spool's relay, when the spool is on. */
  private Future<Void> deployRelay(long publishTimeout) {
    if (spool == null) {
      return Future.succeededFuture();
    }
    // not gated by Kafka's breaker: while every key is held by the spool no direct call would ever
    // close it, so the relay goes by the readiness probe and backs off on its own failures
    FallbackDelivery d = fallback;
    int workers = config.spool().relayWorkers();
    int share = (Spool.SHARDS + workers - 1) / workers;
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < workers; i++) {
      chain = chain.compose(v -> deploy(new RelayVerticle(spool, migrated, () -> state.kafkaUp() && !state.draining(),
          d::kafkaWorks, config.spool().relayBatch(), share, config.spool().relayLeaseMs(), publishTimeout,
          registry)));
    }
    return chain;
  }

  /** The topics ingest's routes publish to: the readiness probe watches that they exist. */
  private java.util.Set<String> routeTopics() {
    java.util.Set<String> topics = new java.util.TreeSet<>();
    config.routing().rules().forEach(r -> topics.add(r.topic()));
    return topics;
  }

  /**
   * Who may publish. {@code auth.mode: none} says so in a WARN; {@code required} reads the tenants file
   * (a missing or invalid one stops start-up with a {@link ConfigException}) and the JWT keys, and starts
   * the first JWKS fetch.
   */
  private dev.sluice.auth.Authenticator authenticator() {
    if (config.auth().mode() == dev.sluice.config.AuthConfig.Mode.NONE) {
      LOG.warn("auth.mode is none: anyone who reaches port {} may publish any event type to any topic",
          config.http().port());
      return dev.sluice.auth.Authenticator.none();
    }
    dev.sluice.auth.Tenants tenants = dev.sluice.config.TenantsFile.load(config.auth());
    var jwt = config.auth().jwt();
    LOG.info("Authentication required: {} tenants from {}; JWT keys: {} PEM file(s){}", tenants.all().size(),
        config.auth().tenantsFile(), jwt.publicKeys().size(), jwt.jwksUrl() == null ? "" : ", JWKS " + jwt.jwksUrl());
    return new dev.sluice.auth.TenantAuthenticator(vertx, config.auth(), tenants, registry);
  }

  /** One verticle per bridge route; nothing when no route is configured. */
  private Future<Void> deployBridge() {
    BridgeConfig bridge = config.bridge();
    if (!bridge.enabled()) {
      return Future.succeededFuture();
    }
    AtomicInteger budget = bridgeInFlight;
    Gauge.builder("sluice.bridge.process.inflight", budget, AtomicInteger::get)
        .description("Records and deliveries the bridge took and has not finished, all routes")
        .register(registry);
    long drain = config.shutdown().drainTimeoutMs();
    Future<Void> chain = Future.succeededFuture();
    for (BridgeConfig.KafkaToRabbit r : bridge.kafkaToRabbit()) {
      chain = chain.compose(v -> deployRoute(new KafkaToRabbitVerticle(
          r, bridge, config.kafka(), config.rabbitmq(), state, budget, registry, drain)));
    }
    for (BridgeConfig.RabbitToKafka r : bridge.rabbitToKafka()) {
      chain = chain.compose(v -> deployRoute(new RabbitToKafkaVerticle(
          r, bridge, config.kafka(), config.rabbitmq(), state, budget, registry, drain)));
    }
    return chain.onSuccess(v -> LOG.info("Bridge: {} Kafka->RabbitMQ and {} RabbitMQ->Kafka routes to {}",
        bridge.kafkaToRabbit().size(), bridge.rabbitToKafka().size(), config.rabbitmq().redactedUri()));
  }

  private Future<Void> deploy(io.vertx.core.Deployable verticle) {
    return record(vertx.deployVerticle(verticle));
  }

  private Future<Void> deployRoute(io.vertx.core.Deployable verticle) {
    return vertx.deployVerticle(verticle).map(id -> {
      bridgeDeployments.add(id);
      return null;
    });
  }

  private Future<Void> record(Future<String> deployment) {
    return deployment.map(
        id -> {
          deployments.add(id);
          return null;
        });
  }

  /**
   * Drains and stops, with one deadline for everything: readiness goes false and new requests get 503;
   * at the same moment every bridge route stops taking work and they all drain side by side (each lets
   * what it took be confirmed and commits) while ingest's in-flight events wait for their
   * acknowledgements — all within {@code shutdown.drain-timeout-ms}. Then the other parts are
   * undeployed in reverse order (the producer is flushed and closed) and Vert.x is closed. Completes
   * with {@code true} when everything in flight, ingest's and the bridge's, was finished before the
   * deadline (what a route did not finish was not committed or acked, and is read again later).
   */
  public synchronized Future<Boolean> shutdown() {
    if (shutdown != null) {
      return shutdown;
    }
    state.startDraining();
    LOG.info("Draining: {} events, {} bytes in flight; {} bridge routes and subscriptions stopping", inFlight.events(),
        inFlight.bytes(), bridgeDeployments.size());
    Future<?> bridges = Future.join(bridgeDeployments.stream()
        .map(id -> vertx.undeploy(id).onFailure(err -> LOG.warn("Stopping bridge route {} failed: {}", id,
            err.toString())))
        .toList());
    Promise<Boolean> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + config.shutdown().drainTimeoutMs();
    vertx.setPeriodic(
        20,
        id -> {
          if (inFlight.isIdle() || System.currentTimeMillis() >= deadline) {
            vertx.cancelTimer(id);
            drained.tryComplete(inFlight.isIdle());
          }
        });
    shutdown =
        Future.join(bridges, drained.future())
            .transform(
                ar -> {
                  boolean ingestClean = drained.future().result();
                  int bridgeLeft = bridgeInFlight.get();
                  if (!ingestClean) {
                    LOG.warn("Drain timed out with {} events in flight; closing anyway", inFlight.events());
                  }
                  if (bridgeLeft > 0) {
                    LOG.warn("Bridge routes stopped with {} messages not finished (not committed or acked: they"
                        + " are bridged again later)", bridgeLeft);
                  }
                  boolean clean = ingestClean && bridgeLeft == 0;
                  return undeployAll()
                      .transform(x -> deadLetterProducer == null ? Future.succeededFuture() : deadLetterProducer.close())
                      .transform(x -> store == null ? Future.succeededFuture() : store.close())
                      .transform(x -> vertx.close())
                      .map(clean);
                })
            .onComplete(ar -> LOG.info("Sluice stopped"));
    return shutdown;
  }

  private Future<Void> undeployAll() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain =
          chain.transform(
              ar ->
                  vertx
                      .undeploy(id)
                      .onFailure(err -> LOG.warn("Undeploying {} failed: {}", id, err.toString())));
    }
    return chain;
  }

  public GatewayState state() {
    return state;
  }

  public InFlight inFlight() {
    return inFlight;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public SluiceConfig config() {
    return config;
  }
}
