package dev.sluice.admin;

import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.bus.LocalCodec;
import dev.sluice.config.AdminConfig;
import dev.sluice.config.BreakerConfig;
import dev.sluice.config.SubscriptionsConfig;
import dev.sluice.config.SubscriptionsConfig.RetryPolicy;
import dev.sluice.config.SubscriptionsConfig.SinkConfig;
import dev.sluice.config.SubscriptionsConfig.Subscription;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.store.DeadLetters;
import dev.sluice.store.Store;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Ports;
import dev.sluice.testsupport.PostgresDb;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An admin verticle with the dead-letter tools on a free port, its index in a fresh schema of the test
 * PostgreSQL; subscriptions {@code s1} (Kafka topic) and {@code s2} (RabbitMQ queue); replay rate 1000/s,
 * batches of 3.
 */
final class DlqFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final Store store;
  final DeadLetters dl;
  final int port = Ports.free();
  final URI base;

  DlqFixture() {
    LocalCodec.registerAll(vertx.eventBus());
    store = await(Store.open(vertx, PostgresDb.uri(), PostgresDb.uniqueSchema(), 4));
    dl = new DeadLetters(store);
    base = URI.create("http://127.0.0.1:" + port);
  }

  /** Deploys the admin verticle (after the test put what the first metrics refresh should see). */
  DlqFixture start() {
    await(vertx.deployVerticle(new AdminVerticle(adminConfig(port), new GatewayState(),
        new InFlight(10, 1000), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), dl, config())));
    return this;
  }

  /** The admin listener on {@code port} with the tests' admin token ({@link GatewayConfig#ADMIN_TOKEN}). */
  static AdminConfig adminConfig(int port) {
    return new AdminConfig("127.0.0.1", port, null, List.of(GatewayConfig.sha256(GatewayConfig.ADMIN_TOKEN)), false);
  }

  static SubscriptionsConfig config() {
    return new SubscriptionsConfig(List.of(subscription("s1", List.of("orders"), null),
        subscription("s2", List.of("jobs"), null)), "sluice", 100, 60_000, 1000, 100, 1000, 3);
  }

  private static Subscription subscription(String name, List<String> topics, String queue) {
    return new Subscription(name, topics, queue, List.of(), new SinkConfig(URI.create("http://127.0.0.1:1/x"), null,
        null), 4, true, 1000, new RetryPolicy(10, 2.0, 100, 3, 1000), null, true,
        new BreakerConfig("breaker", 10_000, 20, 50, 5000));
  }

  /** Puts dead letter {@code id} of {@code sub}: a JSON value, a binary key, a header. */
  void put(String sub, String id, String type, String failureClass, Integer status) {
    await(dl.put(letter(sub, id, type, failureClass, status, 1)));
  }

  static StoredDeadLetter letter(String sub, String id, String type, String failureClass, Integer status, int attempts) {
    Instant t = Instant.parse("2026-11-29T08:00:00.123Z");
    DeadLetter l = new DeadLetter(sub, id, type, DeadLetter.Origin.kafka("orders", 1, 7L, t.toEpochMilli()), attempts,
        t, t.plusSeconds(attempts), failureClass, status, "no: " + id, null);
    return new StoredDeadLetter(l, new byte[] {(byte) 0xfe, 'k'}, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
        List.of(new StoredDeadLetter.Header("event-id", id.getBytes(StandardCharsets.UTF_8))), "kafka:" + sub + ".dlq",
        null);
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(store.close());
    await(vertx.close());
  }
}
