package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubscriptionsConfigTest {

  @TempDir Path dir;

  private SluiceConfig load(String yaml) throws IOException {
    Files.writeString(dir.resolve("subs.yaml"), yaml);
    return ConfigLoader.load(Files.writeString(dir.resolve("c.yaml"),
        "subscriptions:\n  file: subs.yaml\nrouting:\n  file: classpath:routes.yaml\n"), Map.of());
  }

  @Test
  void noneByDefault() {
    assertThat(ConfigLoader.load((Path) null, Map.of()).subscriptions().enabled()).isFalse();
  }

  @Test
  void theExampleFileLoadsWithItsOptions() {
    SluiceConfig c = ConfigLoader.load((Path) null, Map.of("SLUICE_SUBSCRIPTIONS_FILE",
        "classpath:subscriptions.example.yaml"));
    SubscriptionsConfig.Subscription s = c.subscriptions().subscriptions().get(0);
    assertThat(s.name()).isEqualTo("orders-to-billing");
    assertThat(s.topics()).containsExactly("orders");
    assertThat(s.sink().http()).isEqualTo(URI.create("http://localhost:8088/events"));
    assertThat(s.retry().maxAttempts()).isEqualTo(8);
    assertThat(s.deadLetterTarget()).isEqualTo("kafka:orders-to-billing.dlq");
  }

  @Test
  void onlyNameSourceAndSinkAreRequired() throws IOException {
    SubscriptionsConfig.Subscription s = load("""
        subscriptions:
          - name: billing
            source: {topics: [orders]}
            sink: {grpc: "grpc://billing:9191"}
        """).subscriptions().subscriptions().get(0);
    assertThat(s.concurrency()).isEqualTo(64);
    assertThat(s.ordered()).isTrue();
    assertThat(s.idempotent()).isTrue();
    assertThat(s.eventTypes()).isEmpty();
    assertThat(s.deadLetter()).isEqualTo("billing.dlq");
    assertThat(s.retry()).isEqualTo(new SubscriptionsConfig.RetryPolicy(200, 2.0, 30_000, 8, 60_000));
  }

  @Test
  void mistakesNameTheirKey() {
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: billing
            source: {topics: [orders]}
            sink: {http: "http://x/y"}
            concurency: 3
        """)).isInstanceOf(ConfigException.class).hasMessageContaining("subscriptions[billing].concurency");
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: billing
            source: {topics: [orders]}
            sink: {http: "http://x/y", bus: "a"}
        """)).hasMessageContaining("exactly one of http, grpc, bus");
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: billing
            source: {topics: [orders]}
            sink: {http: "ftp://x/y"}
        """)).hasMessageContaining("sink.http");
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: billing
            source: {topics: [orders]}
            sink: {bus: "a"}
            dead-letter: orders
        """)).hasMessageContaining("also a source topic");
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: billing
            source: {topics: [orders]}
            sink: {bus: "a"}
            retry: {initial-ms: 500, max-delay-ms: 100}
        """)).hasMessageContaining("retry.max-delay-ms");
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: a
            source: {topics: [orders]}
            sink: {bus: "a"}
          - name: a
            source: {topics: [orders]}
            sink: {bus: "b"}
        """)).hasMessageContaining("unique");
  }

  @Test
  void aQueueSourceTakesAnExchangeAsItsDeadLetterTarget() throws IOException {
    SubscriptionsConfig.Subscription s = load("""
        subscriptions:
          - name: q
            source: {queue: audit}
            sink: {bus: "a"}
        """).subscriptions().subscriptions().get(0);
    assertThat(s.fromQueue()).isTrue();
    assertThat(s.deadLetterTarget()).isEqualTo("rabbitmq:q.dlq");
    assertThatThrownBy(() -> load("""
        subscriptions:
          - name: q
            source: {queue: audit}
            sink: {bus: "a"}
            dead-letter: amq.direct
        """)).hasMessageContaining("subscriptions[q].dead-letter");
  }

  @Test
  void topicsAndAQueueTogetherAreRefused() {
    assertThatThrownBy(() -> new SubscriptionsConfig.Subscription("x", List.of("t"), "q", null,
        new SubscriptionsConfig.SinkConfig(null, null, "a"), 1, true, 100,
        new SubscriptionsConfig.RetryPolicy(1, 1, 1, 1, 0), null, true,
        new BreakerConfig("b", 1000, 1, 50, 100))).hasMessageContaining("either topics");
  }
}
