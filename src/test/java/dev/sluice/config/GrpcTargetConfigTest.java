package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpcTargetConfigTest {

  @TempDir Path dir;

  @Test
  void aValidTargetIsNamedGrpcColonName() throws IOException {
    Path pem = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    GrpcTargetConfig c = new GrpcTargetConfig("orders-service", "orders.internal", 9191, 2000, true, pem);
    assertThat(c.target()).isEqualTo("grpc:orders-service");
    assertThat(new GrpcTargetConfig("o1", "127.0.0.1", 1, 10, false, null).tls()).isFalse();
  }

  @Test
  void namesTheKeyOfEachInvalidValue() {
    assertKey(() -> new GrpcTargetConfig("Orders", "h", 1, 100, false, null), "fallback.targets");
    assertKey(() -> new GrpcTargetConfig("", "h", 1, 100, false, null), "fallback.targets");
    assertKey(() -> new GrpcTargetConfig("o", " ", 1, 100, false, null), "fallback.targets.o.host");
    assertKey(() -> new GrpcTargetConfig("o", "h", 0, 100, false, null), "fallback.targets.o.port");
    assertKey(() -> new GrpcTargetConfig("o", "h", 65536, 100, false, null), "fallback.targets.o.port");
    assertKey(() -> new GrpcTargetConfig("o", "h", 1, 9, false, null), "fallback.targets.o.deadline-ms");
    assertKey(() -> new GrpcTargetConfig("o", "h", 1, 60_001, false, null), "fallback.targets.o.deadline-ms");
  }

  @Test
  void aTrustFileNeedsTlsAndMustBeReadable() throws IOException {
    Path pem = Files.writeString(dir.resolve("ca.pem"), "x");
    assertThatThrownBy(() -> new GrpcTargetConfig("o", "h", 1, 100, false, pem))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("fallback.targets.o.trust-pem")
        .hasMessageContaining("fallback.targets.o.tls is false");
    assertThatThrownBy(() -> new GrpcTargetConfig("o", "h", 1, 100, true, dir.resolve("missing.pem")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("fallback.targets.o.trust-pem: is not a readable file");
  }

  private static void assertKey(Runnable make, String key) {
    assertThatThrownBy(make::run)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key));
  }
}
