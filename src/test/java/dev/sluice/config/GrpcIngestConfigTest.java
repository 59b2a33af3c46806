package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcIngestConfigTest {

  @Test
  void defaultsAndTheMessageLimitFollowingTheBodyLimit() {
    GrpcIngestConfig g = ConfigLoader.load((Path) null, Map.of()).grpc();
    assertThat(g).isEqualTo(new GrpcIngestConfig(true, 4_194_304, 1000, 3));
    assertThat(ConfigLoader.load((Path) null, Map.of("SLUICE_HTTP_MAX_BODY_BYTES", "1048576")).grpc().maxMessageBytes())
        .isEqualTo(1_048_576);
    assertThat(ConfigLoader.load((Path) null,
        Map.of("SLUICE_GRPC_MAX_MESSAGE_BYTES", "65536", "SLUICE_GRPC_ENABLED", "false")).grpc())
        .isEqualTo(new GrpcIngestConfig(false, 65_536, 1000, 3));
  }

  @Test
  void namesTheKeyOfAValueThatCannotWork() {
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_GRPC_MAX_MESSAGE_BYTES", "100")))
        .hasMessageStartingWith("grpc.max-message-bytes: must be >= 1024");
    // a message that could never be admitted: it would wait for the in-flight budget forever
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_GRPC_MAX_MESSAGE_BYTES", "134217728")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("grpc.max-message-bytes: must not exceed half of limits.max-in-flight-bytes");
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_GRPC_STREAM_CREDITS", "200000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("grpc.stream-credits: must not exceed limits.max-in-flight-events");
  }

  @Test
  void aMessageMustLeaveRoomForItsEnvelopesInTheInFlightBudget() {
    // a message's envelopes take about 1.8x its bytes from the budget: one near the whole budget never fits
    assertThatThrownBy(() -> ConfigLoader.load((Path) null, Map.of("SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "1048576",
            "SLUICE_HTTP_MAX_BODY_BYTES", "1048576", "SLUICE_WEBSOCKET_MAX_MESSAGE_BYTES", "1048576",
            "SLUICE_GRPC_MAX_MESSAGE_BYTES", "1048576")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("grpc.max-message-bytes: must not exceed half of limits.max-in-flight-bytes (524288)");
    assertThat(ConfigLoader.load((Path) null, Map.of("SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "1048576",
            "SLUICE_HTTP_MAX_BODY_BYTES", "1048576", "SLUICE_WEBSOCKET_MAX_MESSAGE_BYTES", "1048576",
            "SLUICE_GRPC_MAX_MESSAGE_BYTES", "524288")).grpc().maxMessageBytes()).isEqualTo(524_288);
    // the default (0: http.max-body-bytes) is held to that half rather than stopping start-up
    assertThat(ConfigLoader.load((Path) null, Map.of("SLUICE_LIMITS_MAX_IN_FLIGHT_BYTES", "1048576",
            "SLUICE_HTTP_MAX_BODY_BYTES", "1048576", "SLUICE_WEBSOCKET_MAX_MESSAGE_BYTES", "1048576"))
        .grpc().maxMessageBytes()).isEqualTo(524_288);
  }
}
