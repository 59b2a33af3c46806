package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The real artifact refuses to start on a configuration that cannot work, and says why. */
class ConfigStartupIT {

  /** Nothing listens there: the process must stop before it tries. */
  private static final String NO_KAFKA = "127.0.0.1:1";

  private static String refusal(GatewayProcess gw) throws InterruptedException {
    OptionalInt exit = gw.waitForExit(Duration.ofSeconds(60));
    assertThat(exit).as("exit code\n" + gw.logTail(20)).hasValue(2);
    return gw.logText();
  }

  @Test
  void aBodyLimitAboveTheInFlightBytesStopsStartUpNamingBothKeys() throws Exception {
    GatewayConfig config = GatewayConfig.forKafka(NO_KAFKA).route("#", "events");
    try (GatewayProcess gw = GatewayProcess.launch(config, GatewayProcess.options().name("too-big-body")
        .env("SLUICE_HTTP_MAX_BODY_BYTES", "200000000"))) {
      assertThat(refusal(gw))
          .contains("sluice: invalid configuration: http.max-body-bytes: 200000000 is more than"
              + " limits.max-in-flight-bytes (67108864)");
    }
  }

  @Test
  void aRouteFileMissingBesideTheConfigStopsStartUp() throws Exception {
    GatewayConfig config = GatewayConfig.forKafka(NO_KAFKA).route("#", "events");
    try (GatewayProcess gw = GatewayProcess.launch(config, GatewayProcess.options().name("no-routes")
        .env("SLUICE_ROUTING_FILE", "my-routes.yaml"))) {
      assertThat(refusal(gw))
          .contains("sluice: invalid configuration: routing.file: 'my-routes.yaml' is not beside the config file")
          .contains("my-routes.yaml does not exist");
    }
  }

  @Test
  void aMistypedKafkaOptionStopsStartUp() throws Exception {
    GatewayConfig config = GatewayConfig.forKafka(NO_KAFKA).route("#", "events");
    try (GatewayProcess gw = GatewayProcess.launch(config, GatewayProcess.options().name("typo")
        .env("SLUICE_KAFKA_PRODUCER_LINGER_MSS", "5"))) {
      assertThat(refusal(gw))
          .contains("sluice: invalid configuration: kafka.producer.linger.mss: is not a Kafka producer option");
    }
  }
}
