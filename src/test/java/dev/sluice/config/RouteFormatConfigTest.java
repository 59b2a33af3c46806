package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code routes[].format}: the form of a route's Kafka records. */
class RouteFormatConfigTest {

  @TempDir Path dir;

  private Path config(String routes) throws IOException {
    Files.writeString(dir.resolve("routes.yaml"), routes);
    return Files.writeString(dir.resolve("c.yaml"), "routing:\n  file: routes.yaml\n");
  }

  @Test
  void readsEachRoutesFormatNativeByDefault() throws IOException {
    Path f = config("routes:\n  - match: \"a.#\"\n    topic: ta\n    format: cloudevents-binary\n"
        + "  - match: \"b.#\"\n    topic: tb\n    format: cloudevents-structured\n"
        + "  - match: \"#\"\n    topic: t\n");

    assertThat(ConfigLoader.load(f, Map.of()).routing().rules())
        .extracting(RoutingConfig.Rule::format)
        .containsExactly(RecordFormat.CLOUDEVENTS_BINARY, RecordFormat.CLOUDEVENTS_STRUCTURED, RecordFormat.NATIVE);
  }

  @Test
  void anUnknownFormatStopsStartUpNamingTheRoute() throws IOException {
    Path f = config("routes:\n  - match: \"a.#\"\n    topic: ta\n    format: avro\n");

    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("routes[a.#].format: 'avro' is not a record format");
  }

  @Test
  void theBundledRoutesAreNative() {
    assertThat(ConfigLoader.load((Path) null, Map.of()).routing().rules())
        .extracting(RoutingConfig.Rule::format).containsOnly(RecordFormat.NATIVE);
  }
}
