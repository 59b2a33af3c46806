package dev.sluice.testsupport;

import dev.sluice.Gateway;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;

/**
 * A gateway in the test's JVM: the configuration written to {@code target/it/}, loaded by the real
 * {@link ConfigLoader} (no environment overrides) and started with {@link Gateway#start}. {@link
 * #close()} runs its graceful {@link Gateway#shutdown()}.
 */
public final class TestGateway implements AutoCloseable {

  private final GatewayConfig config;
  private final Gateway gateway;
  private final Path configFile;

  private TestGateway(GatewayConfig config, Gateway gateway, Path configFile) {
    this.config = config;
    this.gateway = gateway;
    this.configFile = configFile;
  }

  /** Writes the configuration and starts the gateway (its listeners are up when this returns). */
  public static TestGateway start(GatewayConfig config) throws Exception {
    Path file = config.writeTo(TestDirs.create("gateway"));
    SluiceConfig loaded = ConfigLoader.load(file, Map.of());
    Gateway gateway =
        Gateway.start(loaded).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return new TestGateway(config, gateway, file);
  }

  /** Starts the gateway and waits until {@code /health/ready} answers 200 (Kafka reached). */
  public static TestGateway startReady(GatewayConfig config, Http http) throws Exception {
    TestGateway g = start(config);
    try {
      g.awaitReady(http, Duration.ofSeconds(30));
    } catch (RuntimeException | Error e) {
      g.close();
      throw e;
    }
    return g;
  }

  /** Waits until {@code /health/ready} answers 200. */
  public void awaitReady(Http http, Duration timeout) {
    Awaitility.await("gateway ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> http.get(adminUri("/health/ready")).status() == 200);
  }

  public URI ingestUri(String path) {
    return config.ingestUri(path);
  }

  public URI eventsUri() {
    return ingestUri("/v1/events");
  }

  public URI adminUri(String path) {
    return config.adminUri(path);
  }

  public Gateway gateway() {
    return gateway;
  }

  public Path configFile() {
    return configFile;
  }

  @Override
  public void close() {
    try {
      gateway.shutdown().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the gateway shut down", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the gateway did not shut down cleanly: " + e, e);
    }
  }
}
