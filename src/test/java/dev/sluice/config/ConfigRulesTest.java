package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rules between keys, route patterns, and the files named by routing.file / bridge.file. */
class ConfigRulesTest {

  @TempDir Path dir;

  private static SluiceConfig env(String... pairs) {
    Map<String, String> env = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return ConfigLoader.load((Path) null, env);
  }

  @Test
  void aBodyLargerThanTheInFlightBytesStopsStartUp() {
    assertThatThrownBy(() -> env("SLUICE_HTTP_MAX_BODY_BYTES", "200000000"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("http.max-body-bytes: ")
        .hasMessageContaining("200000000")
        .hasMessageContaining("limits.max-in-flight-bytes (67108864)");
  }

  @Test
  void aBatchLargerThanTheInFlightEventsStopsStartUp() {
    assertThatThrownBy(() -> env("SLUICE_LIMITS_MAX_IN_FLIGHT_EVENTS", "5000"))
        .hasMessageStartingWith("http.max-batch-events: 10000")
        .hasMessageContaining("limits.max-in-flight-events (5000)");
  }

  @Test
  void aWebSocketMessageLargerThanTheInFlightBytesStopsStartUp() {
    assertThatThrownBy(() -> env(
            "SLUICE_WEBSOCKET_MAX_MESSAGE_BYTES", "2097152",
            "SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "1048576",
            "SLUICE_HTTP_MAX_BODY_BYTES", "1024"))
        .hasMessageStartingWith("websocket.max-message-bytes: 2097152")
        .hasMessageContaining("limits.max-in-flight-bytes (1048576)");
  }

  @Test
  void moreCreditsThanInFlightEventsStopStartUp() {
    assertThatThrownBy(() -> env(
            "SLUICE_WEBSOCKET_CREDITS", "2000",
            "SLUICE_LIMITS_MAX_IN_FLIGHT_EVENTS", "1500",
            "SLUICE_HTTP_MAX_BATCH_EVENTS", "100"))
        .hasMessageStartingWith("websocket.credits: 2000")
        .hasMessageContaining("limits.max-in-flight-events (1500)");
  }

  @Test
  void boundsEqualToTheLimitsAreFine() {
    SluiceConfig c = env(
        "SLUICE_HTTP_MAX_BODY_BYTES", "1048576",
        "SLUICE_WEBSOCKET_MAX_MESSAGE_BYTES", "1048576",
        "SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "1048576",
        "SLUICE_HTTP_MAX_BATCH_EVENTS", "1000",
        "SLUICE_WEBSOCKET_CREDITS", "1000",
        "SLUICE_LIMITS_MAX_IN_FLIGHT_EVENTS", "1000");
    assertThat(c.limits().maxInFlightBytes()).isEqualTo(1048576);
  }

  @Test
  void aProducerBufferSmallerThanTheInFlightBytesStopsStartUp() {
    assertThatThrownBy(() -> env("SLUICE_KAFKA_PRODUCER_BUFFER_MEMORY", "1048576"))
        .hasMessageStartingWith("kafka.producer.buffer.memory: 1048576")
        .hasMessageContaining("limits.max-in-flight-bytes (67108864)");
    assertThat(env("SLUICE_KAFKA_PRODUCER_BUFFER_MEMORY", "134217728").kafka().producerProperties(67108864))
        .containsEntry("buffer.memory", "134217728");
  }

  @Test
  void aProducerBatchLargerThanItsBufferStopsStartUp() {
    // the producer allocates batch.size for every batch: past buffer.memory each send fails at once
    assertThatThrownBy(() -> env(
            "SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "65536",
            "SLUICE_HTTP_MAX_BODY_BYTES", "65536",
            "SLUICE_WEBSOCKET_MAX_MESSAGE_BYTES", "65536"))
        .hasMessageStartingWith("kafka.producer.batch.size: 131072")
        .hasMessageContaining("limits.max-in-flight-bytes (65536)");
    assertThatThrownBy(() -> env(
            "SLUICE_KAFKA_PRODUCER_BUFFER_MEMORY", "67108864", "SLUICE_KAFKA_PRODUCER_BATCH_SIZE", "100000000"))
        .hasMessageStartingWith("kafka.producer.batch.size: 100000000")
        .hasMessageContaining("kafka.producer.buffer.memory (67108864)");
  }

  @Test
  void wildcardsMustBeWholeSegments() throws IOException {
    for (String bad : new String[] {"order*", "a.b#", "*x.y", "a.#b"}) {
      Path f = configWithRoutes("routes:\n  - match: \"" + bad + "\"\n    topic: t\n");
      assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
          .as(bad)
          .hasMessageStartingWith("routes[].match: '" + bad + "'")
          .hasMessageContaining("whole segment");
    }
    Path ok = configWithRoutes("routes:\n  - match: \"a.*.b\"\n    topic: t\n  - match: \"#\"\n    topic: u\n");
    assertThat(ConfigLoader.load(ok, Map.of()).routing().rules()).hasSize(2);
  }

  @Test
  void aRouteFileMissingBesideTheConfigFileStopsStartUp() throws IOException {
    Path f = Files.writeString(dir.resolve("c.yaml"), "http:\n  port: 7000\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .hasMessageStartingWith("routing.file: ")
        .hasMessageContaining(dir.resolve("routes.yaml").toString())
        .hasMessageContaining("classpath:routes.yaml");
  }

  @Test
  void aBridgeFileMissingBesideTheConfigFileStopsStartUp() throws IOException {
    Path f = configWithRoutes("routes:\n  - match: \"#\"\n    topic: t\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of("SLUICE_BRIDGE_FILE", "bridge.yaml")))
        .hasMessageStartingWith("bridge.file: ")
        .hasMessageContaining(dir.resolve("bridge.yaml").toString());
  }

  @Test
  void classpathNamesTheBundledFiles() throws IOException {
    Path f = Files.writeString(dir.resolve("c.yaml"), "routing:\n  file: classpath:routes.yaml\n");
    SluiceConfig c = ConfigLoader.load(f, Map.of("SLUICE_BRIDGE_FILE", "classpath:bridge.example.yaml"));
    assertThat(c.routing().rules()).extracting(RoutingConfig.Rule::topic).containsExactly("orders", "events");
    assertThat(c.bridge().enabled()).isTrue();
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of("SLUICE_ROUTING_FILE", "classpath:nope.yaml")))
        .hasMessageStartingWith("routing.file: ")
        .hasMessageContaining("nope.yaml");
  }

  @Test
  void withoutAConfigFileRelativeNamesAreTheBundledFiles() {
    assertThat(env("SLUICE_BRIDGE_FILE", "bridge.example.yaml").bridge().enabled()).isTrue();
  }

  private Path configWithRoutes(String routes) throws IOException {
    Files.writeString(dir.resolve("routes.yaml"), routes);
    return Files.writeString(dir.resolve("c.yaml"), "http:\n  port: 7000\n");
  }
}
