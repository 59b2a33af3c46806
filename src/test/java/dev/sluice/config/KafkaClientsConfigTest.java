package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kafka.common / producer / consumer / admin: what reaches each Kafka client, what is refused, what is hidden. */
class KafkaClientsConfigTest {

  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"pw-4f9c\";";

  @TempDir Path dir;

  private static SluiceConfig env(Map<String, String> env) {
    return ConfigLoader.load((Path) null, env);
  }

  private Path withBridge(String yaml) throws IOException {
    Files.writeString(dir.resolve("routes.yaml"), "routes:\n  - match: \"#\"\n    topic: t\n");
    Files.writeString(dir.resolve("bridge.yaml"),
        "kafka-to-rabbitmq:\n  - name: out\n    topics: [t]\n    exchange: x\n    routing-key: k\n");
    return Files.writeString(dir.resolve("c.yaml"), "bridge:\n  file: bridge.yaml\n" + yaml);
  }

  @Test
  void commonOptionsReachEveryClientAndPerClientOptionsOverrideThem() throws IOException {
    SluiceConfig c = ConfigLoader.load(withBridge("""
        kafka:
          common:
            security.protocol: SASL_PLAINTEXT
            sasl.mechanism: PLAIN
            sasl.jaas.config: '%s'
          consumer:
            sasl.mechanism: SCRAM-SHA-256
            auto.offset.reset: latest
          admin:
            reconnect.backoff.max.ms: "3000"
        """.formatted(JAAS)), Map.of());
    KafkaConfig k = c.kafka();
    BridgeConfig.KafkaToRabbit route = c.bridge().kafkaToRabbit().get(0);
    Map<String, Object> producer = k.producerProperties(1 << 20);
    Map<String, Object> consumer = k.consumerProperties(c.bridge(), route.name());
    Map<String, String> admin = k.adminProperties();
    for (Map<String, ?> props : java.util.List.of(producer, consumer, admin)) {
      assertThat(new java.util.HashMap<String, Object>(props))
          .containsEntry("security.protocol", "SASL_PLAINTEXT")
          .containsEntry("sasl.jaas.config", JAAS)
          .containsEntry("bootstrap.servers", "127.0.0.1:9092");
    }
    assertThat(producer).containsEntry("sasl.mechanism", "PLAIN").containsEntry("client.id", "sluice-producer");
    assertThat(admin).containsEntry("sasl.mechanism", "PLAIN").containsEntry("reconnect.backoff.max.ms", "3000")
        .containsEntry("client.id", "sluice-health");
    assertThat(consumer)
        .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
        .containsEntry("auto.offset.reset", "latest")
        .containsEntry("group.id", "sluice-bridge.out")
        .containsEntry("client.id", "sluice-bridge-out")
        .containsEntry("enable.auto.commit", "false");
  }

  @Test
  void environmentSetsOptionsOfEveryMap() {
    KafkaConfig k = env(Map.of(
        "SLUICE_KAFKA_COMMON_SECURITY_PROTOCOL", "SSL",
        "SLUICE_KAFKA_ADMIN_RETRIES", "3",
        "SLUICE_KAFKA_CONSUMER_ISOLATION_LEVEL", "read_committed",
        "SLUICE_KAFKA_CLIENT_ID_PREFIX", "gw7")).kafka();
    assertThat(k.common()).containsEntry("security.protocol", "SSL");
    assertThat(k.admin()).containsEntry("retries", "3");
    assertThat(k.consumer()).containsEntry("isolation.level", "read_committed");
    assertThat(k.producerProperties(1 << 20)).containsEntry("client.id", "gw7-producer");
    assertThat(k.producerProperties(1 << 20, "bridge-in")).containsEntry("client.id", "gw7-bridge-in");
  }

  @Test
  void refusesOptionNamesTheClientDoesNotKnow() {
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_PRODUCER_LINGER_MSS", "5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("kafka.producer.linger.mss: is not a Kafka producer option");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_PRODUCER_CLIENT_RACK", "r1")))
        .hasMessageStartingWith("kafka.producer.client.rack: is not a Kafka producer option");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_CONSUMER_FETCH_MIN_BYTE", "1")))
        .hasMessageStartingWith("kafka.consumer.fetch.min.byte: is not a Kafka consumer option");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_ADMIN_LINGER_MS", "1")))
        .hasMessageStartingWith("kafka.admin.linger.ms: is not a Kafka admin client option");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_COMMON_LINGER_MS", "1")))
        .hasMessageStartingWith("kafka.common.linger.ms: is not an option of every Kafka client")
        .hasMessageContaining("kafka.producer.linger.ms");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_COMMON_SECURITY_PROTOKOL", "SSL")))
        .hasMessageStartingWith("kafka.common.security.protokol: is not");
  }

  @Test
  void refusesInvalidOptionValuesNamingTheKey() {
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_COMMON_SECURITY_PROTOCOL", "SASL_PLAIN")))
        .hasMessageStartingWith("kafka.common.security.protocol: ")
        .hasMessageContaining("SASL_PLAIN");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_CONSUMER_FETCH_MIN_BYTES", "lots")))
        .hasMessageStartingWith("kafka.consumer.fetch.min.bytes: ");
  }

  @Test
  void refusesOptionsSluiceSetsItself() {
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_COMMON_BOOTSTRAP_SERVERS", "x:1")))
        .hasMessageStartingWith("kafka.common.bootstrap.servers: is set by Sluice")
        .hasMessageContaining("kafka.bootstrap-servers");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_PRODUCER_CLIENT_ID", "me")))
        .hasMessageStartingWith("kafka.producer.client.id: is set by Sluice")
        .hasMessageContaining("kafka.client-id-prefix");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_CONSUMER_GROUP_ID", "g")))
        .hasMessageStartingWith("kafka.consumer.group.id: is set by Sluice")
        .hasMessageContaining("bridge.group-id-prefix");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_CONSUMER_ENABLE_AUTO_COMMIT", "true")))
        .hasMessageStartingWith("kafka.consumer.enable.auto.commit: is set by Sluice");
    assertThatThrownBy(() -> env(Map.of("SLUICE_KAFKA_ADMIN_BOOTSTRAP_SERVERS", "x:1")))
        .hasMessageStartingWith("kafka.admin.bootstrap.servers: is set by Sluice");
  }

  @Test
  void theDurabilityRulesSeeCommonOptionsToo() {
    assertThatThrownBy(() -> env(Map.of(
        "SLUICE_KAFKA_DELIVERY_TIMEOUT_MS", "5000", "SLUICE_KAFKA_COMMON_REQUEST_TIMEOUT_MS", "30000")))
        .hasMessageStartingWith("kafka.delivery-timeout-ms: must be >=");
  }

  @Test
  void describeHidesEverySecret() {
    SluiceConfig c = env(Map.of(
        "SLUICE_KAFKA_COMMON_SECURITY_PROTOCOL", "SASL_SSL",
        "SLUICE_KAFKA_COMMON_SASL_JAAS_CONFIG", JAAS,
        "SLUICE_KAFKA_COMMON_SSL_TRUSTSTORE_PASSWORD", "ts-pw-81d2",
        "SLUICE_KAFKA_PRODUCER_SSL_KEY_PASSWORD", "key-pw-3a3a",
        "SLUICE_KAFKA_CONSUMER_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET", "oauth-9e1b",
        "SLUICE_KAFKA_ADMIN_SSL_KEYSTORE_PASSWORD", "ks-pw-77aa",
        "SLUICE_RABBITMQ_URI", "amqp://bridge:rmq-pw-5c5c@h:5672"));
    String described = ConfigLoader.describe(c);
    assertThat(described)
        .doesNotContain("pw-4f9c", "ts-pw-81d2", "key-pw-3a3a", "oauth-9e1b", "ks-pw-77aa", "rmq-pw-5c5c")
        .contains("sasl.jaas.config=[hidden]", "ssl.truststore.password=[hidden]", "bridge:***@h")
        .contains("security.protocol=SASL_SSL"); // not secret: shown as it is
    assertThat(c.kafka().toString()).doesNotContain("pw-4f9c", "ks-pw-77aa");
  }

  @Test
  void secretsAreKafkasPasswordOptionsAndAnythingNamedLikeOne() {
    assertThat(KafkaOptions.isSecret("sasl.jaas.config")).isTrue();
    assertThat(KafkaOptions.isSecret("ssl.keystore.key")).isTrue(); // PASSWORD type, no telling name
    assertThat(KafkaOptions.isSecret("sasl.oauthbearer.assertion.private.key.passphrase")).isTrue();
    assertThat(KafkaOptions.isSecret("some.future.password")).isTrue();
    assertThat(KafkaOptions.isSecret("x.secret.y")).isTrue();
    assertThat(KafkaOptions.isSecret("x.access.token")).isTrue();
    assertThat(KafkaOptions.isSecret("x.credentials")).isTrue();
    assertThat(KafkaOptions.isSecret("security.protocol")).isFalse();
    assertThat(KafkaOptions.isSecret("ssl.truststore.location")).isFalse();
  }
}
