package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeConfigTest {

  @TempDir Path dir;

  private Path config(String bridgeYaml) throws IOException {
    Files.writeString(dir.resolve("bridge.yaml"), bridgeYaml);
    return Files.writeString(
        dir.resolve("c.yaml"), "bridge:\n  file: bridge.yaml\nrouting:\n  file: classpath:routes.yaml\n");
  }

  @Test
  void noBridgeByDefault() {
    SluiceConfig c = ConfigLoader.load((Path) null, Map.of());
    assertThat(c.bridge().enabled()).isFalse();
    assertThat(c.rabbitmq().uri()).startsWith("amqp://");
  }

  @Test
  void readsRoutesBothWays() throws IOException {
    SluiceConfig c = ConfigLoader.load(config("""
        kafka-to-rabbitmq:
          - name: out
            topics: [orders, events]
            exchange: events
            routing-key: "{event-type}"
        rabbitmq-to-kafka:
          - name: in
            queues: [inbound]
            topic: inbound
            key: property:correlation-id
        """), Map.of());
    assertThat(c.bridge().kafkaToRabbit()).containsExactly(
        new BridgeConfig.KafkaToRabbit("out", java.util.List.of("orders", "events"), "events", "{event-type}"));
    assertThat(c.bridge().rabbitToKafka().get(0).key()).isEqualTo("property:correlation-id");
  }

  @Test
  void namesTheBadKey() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(config("""
        rabbitmq-to-kafka:
          - name: in
            queues: [q]
            topic: t
            key: property:nope
        """), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rabbitmq-to-kafka[in].key");
    assertThatThrownBy(() -> ConfigLoader.load(config("""
        kafka-to-rabbitmq:
          - name: out
            topics: [t]
            exchange: x
            routing-key: "{event-type"
        """), Map.of()))
        .hasMessageContaining("kafka-to-rabbitmq[out].routing-key");
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_BRIDGE_MAX_HOPS", "0")))
        .hasMessageContaining("bridge.max-hops");
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_RABBITMQ_URI", "http://x")))
        .hasMessageContaining("rabbitmq.uri");
  }

  @Test
  void refusesAnExchangeOrRoutingKeyTextRabbitMQCannotHold() {
    String at = "bridge routes: kafka-to-rabbitmq[out]";
    assertThatThrownBy(() -> new BridgeConfig.KafkaToRabbit("out", java.util.List.of("t"), "x".repeat(256), "k"))
        .hasMessageStartingWith(at + ".exchange: is longer than RabbitMQ's 255 bytes");
    assertThatThrownBy(() -> new BridgeConfig.KafkaToRabbit("out", java.util.List.of("t"), "x", "k".repeat(256)))
        .hasMessageStartingWith(at + ".routing-key: has more than 255 bytes");
    // placeholders are filled per record: a key rendered too long is refused per record, not here
    assertThat(new BridgeConfig.KafkaToRabbit("out", java.util.List.of("t"), "x", "k".repeat(250) + "{event-type}")
        .routingKey()).endsWith("{event-type}");
  }

  @Test
  void readsTheDeadLetterTargetsWithTheRouteNameAsDefault() throws IOException {
    SluiceConfig c = ConfigLoader.load(config("""
        kafka-to-rabbitmq:
          - name: out
            topics: [orders]
            exchange: events
            routing-key: "{event-type}"
          - name: out2
            topics: [orders]
            exchange: events
            routing-key: "{event-type}"
            dead-letter: orders.refused
        rabbitmq-to-kafka:
          - name: in
            queues: [inbound]
            topic: inbound
          - name: in2
            queues: [inbound2]
            topic: inbound
            dead-letter: inbound.refused
        """), Map.of());
    assertThat(c.bridge().kafkaToRabbit()).extracting(BridgeConfig.KafkaToRabbit::deadLetter)
        .containsExactly("out.dlq", "orders.refused");
    assertThat(c.bridge().rabbitToKafka()).extracting(BridgeConfig.RabbitToKafka::deadLetter)
        .containsExactly("in.dlq", "inbound.refused");
  }

  @Test
  void refusesADeadLetterTargetThatCannotBeOne() {
    String k2r = "bridge routes: kafka-to-rabbitmq[out].dead-letter: ";
    java.util.List<String> topics = java.util.List.of("orders");
    assertThatThrownBy(() -> new BridgeConfig.KafkaToRabbit("out", topics, "x", "k", "no spaces"))
        .hasMessageStartingWith(k2r + "'no spaces' is not a valid Kafka topic name");
    assertThatThrownBy(() -> new BridgeConfig.KafkaToRabbit("out", topics, "x", "k", ".."))
        .hasMessageStartingWith(k2r + "'..' is not a valid Kafka topic name");
    assertThatThrownBy(() -> new BridgeConfig.KafkaToRabbit("out", topics, "x", "k", "orders"))
        .hasMessageStartingWith(k2r + "'orders' is also a source topic");
    String r2k = "bridge routes: rabbitmq-to-kafka[in].dead-letter: ";
    java.util.List<String> queues = java.util.List.of("inbound");
    assertThatThrownBy(() -> new BridgeConfig.RabbitToKafka("in", queues, "t", null, "x".repeat(256)))
        .hasMessageStartingWith(r2k + "is longer than RabbitMQ's 255 bytes");
    assertThatThrownBy(() -> new BridgeConfig.RabbitToKafka("in", queues, "t", null, "amq.fanout"))
        .hasMessageStartingWith(r2k + "'amq.fanout': names starting with 'amq.' are RabbitMQ's own");
    assertThatThrownBy(() -> new BridgeConfig.RabbitToKafka("in", queues, "t", null, "inbound"))
        .hasMessageStartingWith(r2k + "'inbound' is also a source queue");
  }

  @Test
  void theRabbitMQPrefetchOfAllQueuesMustFitTheProcessBound() {
    java.util.List<BridgeConfig.RabbitToKafka> threeQueues = java.util.List.of(
        new BridgeConfig.RabbitToKafka("in", java.util.List.of("a", "b"), "t", null),
        new BridgeConfig.RabbitToKafka("in2", java.util.List.of("c"), "t", null));
    assertThatThrownBy(() -> new BridgeConfig(java.util.List.of(), threeQueues, "g", 2999, 1000, 10, 1, 300_000))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("bridge.max-in-flight: ")
        .hasMessageContaining("3 queues × bridge.max-in-flight-per-source 1000 = 3000");
    assertThat(new BridgeConfig(java.util.List.of(), threeQueues, "g", 3000, 1000, 10, 1, 300_000).maxInFlight())
        .isEqualTo(3000);
    assertThatCode(() -> ConfigLoader.load((Path) null,
        Map.of("SLUICE_BRIDGE_MAX_IN_FLIGHT", "10", "SLUICE_BRIDGE_MAX_IN_FLIGHT_PER_SOURCE", "20")))
        .as("without RabbitMQ -> Kafka routes there is no prefetch to fit").doesNotThrowAnyException();
  }

  @Test
  void redactsThePassword() {
    assertThat(new RabbitConfig("amqp://u:secret@h:5672/v", 10, 100, 0, 1000).toString())
        .contains("u:***@h").doesNotContain("secret");
    // a password with characters a URI should have escaped is hidden all the same
    assertThat(new RabbitConfig("amqp://u:se/cr@et@h:5672/v", 10, 100, 0, 1000).redactedUri())
        .isEqualTo("amqp://u:***@h:5672/v");
    assertThat(new RabbitConfig("amqps://h:5671", 10, 100, 0, 1000).redactedUri()).isEqualTo("amqps://h:5671");
  }
}
