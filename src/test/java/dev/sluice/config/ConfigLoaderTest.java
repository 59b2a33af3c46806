package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  private Path write(String name, String yaml) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void loadsTheDocumentedDefaults() {
    SluiceConfig c = ConfigLoader.load((Path) null, Map.of());
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.admin().port()).isEqualTo(9090);
    assertThat(c.kafka().bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(c.kafka().producer()).containsEntry("acks", "all").containsEntry("compression.type", "lz4");
    assertThat(c.routing().rules()).extracting(RoutingConfig.Rule::topic).containsExactly("orders", "events");
  }

  @Test
  void fileOverridesDefaultsAndEnvOverridesTheFile() throws IOException {
    write("routes.yaml", "routes:\n  - match: \"#\"\n    topic: t\n");
    Path f = write("c.yaml", "http:\n  port: 7000\nkafka:\n  bootstrap-servers: a:1\n  producer:\n    linger.ms: 20\n");
    SluiceConfig c =
        ConfigLoader.load(
            f,
            Map.of(
                "SLUICE_KAFKA_BOOTSTRAP_SERVERS", "b:2",
                "SLUICE_KAFKA_PRODUCER_LINGER_MS", "7",
                "SLUICE_KAFKA_PRODUCER_RETRY_BACKOFF_MS", "250",
                "SLUICE_LIMITS_MAX_IN_FLIGHT_EVENTS", "20000"));
    assertThat(c.http().port()).isEqualTo(7000);
    assertThat(c.http().maxBodyBytes()).isEqualTo(4194304);
    assertThat(c.kafka().bootstrapServers()).isEqualTo("b:2");
    assertThat(c.kafka().producer()).containsEntry("linger.ms", "7").containsEntry("retry.backoff.ms", "250");
    assertThat(c.limits().maxInFlightEvents()).isEqualTo(20000);
  }

  @Test
  void readsRoutesBesideTheConfigFile() throws IOException {
    write("my-routes.yaml", "routes:\n  - match: \"a.*\"\n    topic: ta\n");
    Path f = write("c.yaml", "routing:\n  file: my-routes.yaml\n");
    assertThat(ConfigLoader.load(f, Map.of()).routing().rules())
        .containsExactly(new RoutingConfig.Rule("a.*", "ta"));
  }

  @Test
  void namesAnUnknownKey() throws IOException {
    Path f = write("c.yaml", "http:\n  prot: 1\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("http.prot: is not a Sluice option");
  }

  @Test
  void namesTheKeyOfAnInvalidValue() {
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_HTTP_PORT", "eighty")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("http.port: must be a whole number, got 'eighty'");
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_HTTP_PORT", "70000")))
        .hasMessageStartingWith("http.port: must be a TCP port");
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "0")))
        .hasMessageStartingWith("limits.max-in-flight-bytes: must be >= 1024");
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", " ")))
        .hasMessage("kafka.bootstrap-servers: is required");
  }

  @Test
  void refusesProducerOptionsThatWouldBreakTheDurabilityPromise() {
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_KAFKA_PRODUCER_ACKS", "1")))
        .hasMessageStartingWith("kafka.producer.acks: must be 'all'");
    assertThatThrownBy(
            () -> ConfigLoader.load((Path) null, Map.of("SLUICE_KAFKA_PRODUCER_ENABLE_IDEMPOTENCE", "false")))
        .hasMessageStartingWith("kafka.producer.enable.idempotence: must be true");
    assertThatThrownBy(
            () -> ConfigLoader.load((Path) null, Map.of("SLUICE_KAFKA_PRODUCER_BOOTSTRAP_SERVERS", "x:1")))
        .hasMessageStartingWith("kafka.producer.bootstrap.servers: is set by Sluice");
  }

  @Test
  void refusesTimeoutsThatKafkaWouldReject() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    (Path) null,
                    Map.of("SLUICE_KAFKA_DELIVERY_TIMEOUT_MS", "5000", "SLUICE_KAFKA_PRODUCER_REQUEST_TIMEOUT_MS", "30000")))
        .hasMessageStartingWith("kafka.delivery-timeout-ms: must be >= kafka.producer.linger.ms");
  }

  @Test
  void refusesBadRoutes() throws IOException {
    write("r.yaml", "routes:\n  - match: \"a..b\"\n    topic: t\n");
    Path f = write("c.yaml", "routing:\n  file: r.yaml\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of())).hasMessageStartingWith("routes[].match:");
    write("r2.yaml", "routes: []\n");
    Path f2 = write("c2.yaml", "routing:\n  file: r2.yaml\n");
    assertThatThrownBy(() -> ConfigLoader.load(f2, Map.of())).hasMessageContaining("non-empty 'routes' list");
  }

  @Test
  void refusesUnknownArguments() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--verbose"}, Map.of()))
        .hasMessageContaining("unknown argument '--verbose'");
  }

  @Test
  void derivesProducerPropertiesInsideTheInFlightBound() {
    KafkaConfig k = ConfigLoader.load((Path) null, Map.of("SLUICE_KAFKA_DELIVERY_TIMEOUT_MS", "10000")).kafka();
    Map<String, Object> props = k.producerProperties(1 << 20);
    assertThat(props)
        .containsEntry("buffer.memory", "1048576")
        .containsEntry("delivery.timeout.ms", "10000")
        .containsEntry("acks", "all")
        .containsEntry("bootstrap.servers", "127.0.0.1:9092");
    long request = Long.parseLong((String) props.get("request.timeout.ms"));
    assertThat(request + 5).isLessThanOrEqualTo(10000);
  }
}
