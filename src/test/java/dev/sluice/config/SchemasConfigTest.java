package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemasConfigTest {

  @TempDir Path dir;

  private Path config(String yaml) throws IOException {
    Files.writeString(dir.resolve("routes.yaml"), "routes:\n  - match: \"#\"\n    topic: t\n");
    return Files.writeString(dir.resolve("sluice.yaml"), yaml);
  }

  @Test
  void defaultsToSchemasBesideTheConfigFileBackwardAndOn() throws IOException {
    SchemasConfig s = ConfigLoader.load(config("http:\n  port: 8080\n"), Map.of()).schemas();

    assertThat(s.enabled()).isTrue();
    assertThat(s.dir()).isEqualTo(dir.resolve("schemas").toAbsolutePath().normalize());
    assertThat(s.compatibility()).isEqualTo(SchemasConfig.Compatibility.BACKWARD);
  }

  @Test
  void withoutAConfigFileARelativeDirIsInTheWorkingDirectoryAndAnAbsoluteOneIsItself() throws IOException {
    assertThat(ConfigLoader.load((Path) null, Map.of()).schemas().dir())
        .isEqualTo(Path.of("schemas").toAbsolutePath().normalize());
    Path elsewhere = dir.resolve("elsewhere");
    SchemasConfig s = ConfigLoader.load(config("schemas:\n  dir: " + elsewhere + "\n  compatibility: FULL\n"),
        Map.of("SLUICE_SCHEMAS_ENABLED", "false")).schemas();
    assertThat(s.dir()).isEqualTo(elsewhere);
    assertThat(s.compatibility()).isEqualTo(SchemasConfig.Compatibility.FULL);
    assertThat(s.enabled()).isFalse();
  }

  @Test
  void anUnknownCompatibilityStopsStartUpNamingTheKey() throws IOException {
    Path f = config("schemas:\n  compatibility: transitive\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("schemas.compatibility: must be backward, forward, full or none, got 'transitive'");
  }
}
