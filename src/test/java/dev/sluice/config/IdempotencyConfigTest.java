package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotencyConfigTest {

  @Test
  void defaultsAreOnWithADayAndALeaseOverTheRouteTimeout() {
    IdempotencyConfig c = ConfigLoader.load((Path) null, Map.of()).idempotency();
    assertThat(c.enabled()).isTrue();
    assertThat(c.ttlMs()).isEqualTo(86_400_000L);
    assertThat(c.leaseMs(40_000)).isEqualTo(50_000);
    assertThat(c.timeoutMs()).isEqualTo(2000);
  }

  @Test
  void keysComeFromTheEnvironmentWithUnits() {
    IdempotencyConfig c = ConfigLoader.load((Path) null, Map.of("SLUICE_IDEMPOTENCY_TTL", "90s",
        "SLUICE_IDEMPOTENCY_LEASE_MS", "5000", "SLUICE_IDEMPOTENCY_ENABLED", "false")).idempotency();
    assertThat(c.ttlMs()).isEqualTo(90_000);
    assertThat(c.leaseMs(40_000)).isEqualTo(5000);
    assertThat(c.enabled()).isFalse();
    assertThat(IdempotencyConfig.durationMs("k", "500ms")).isEqualTo(500);
    assertThat(IdempotencyConfig.durationMs("k", "1500")).isEqualTo(1500);
    assertThat(IdempotencyConfig.durationMs("k", "30m")).isEqualTo(1_800_000);
    assertThat(IdempotencyConfig.durationMs("k", "7d")).isEqualTo(604_800_000L);
  }

  @Test
  void anInvalidValueNamesItsKey() {
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_IDEMPOTENCY_TTL", "a day")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("idempotency.ttl"));
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_IDEMPOTENCY_TTL", "0s")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("idempotency.ttl"));
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_IDEMPOTENCY_LEASE_MS", "-1")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("idempotency.lease-ms"));
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_IDEMPOTENCY_TIMEOUT_MS", "0")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("idempotency.timeout-ms"));
  }
}
