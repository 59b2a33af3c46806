package dev.sluice.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The real artifact as a child process: {@code java -Xmx.. -jar ${sluice.jar} --config FILE}, with
 * the configuration and the process's output ({@code gateway.log}) under {@code target/it/}. The
 * child inherits no {@code SLUICE_*} variable but those given. {@link #sigterm()} asks for a
 * graceful stop; {@link #close()} kills it (also done by a shutdown hook if the test JVM ends
 * first).
 */
public final class GatewayProcess implements AutoCloseable {

  public static final String JAR_PROPERTY = "sluice.jar";

  private final GatewayConfig config;
  private final Process process;
  private final Path log;
  private final Thread killer;

  private GatewayProcess(GatewayConfig config, Process process, Path log) {
    this.config = config;
    this.process = process;
    this.log = log;
    this.killer = new Thread(process::destroyForcibly, "gateway-kill-" + process.pid());
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /** Options for {@link #start}. */
  public static final class Options {
    private String heap = "256m";
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String name = "gateway";

    public Options heap(String xmx) {
      this.heap = xmx;
      return this;
    }

    public Options jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    public Options env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public Options name(String name) {
      this.name = name;
      return this;
    }
  }

  public static Options options() {
    return new Options();
  }

  /**
   * Writes the configuration, launches the jar and waits until {@code /health/ready} answers 200.
   */
  public static GatewayProcess start(
      GatewayConfig config, Options options, Http http, Duration readyTimeout) {
    GatewayProcess gateway = launch(config, options);
    try {
      gateway.awaitReady(http, readyTimeout);
    } catch (RuntimeException | Error e) {
      gateway.close();
      throw e;
    }
    return gateway;
  }

  /** Writes the configuration and launches the jar; does not wait for anything. */
  public static GatewayProcess launch(GatewayConfig config, Options options) {
    Path jar = jar();
    Path dir = TestDirs.create(options.name);
    Path file = config.writeTo(dir);
    Path log = dir.resolve("gateway.log");
    List<String> command = new ArrayList<>();
    command.add(LocalKafka.java());
    command.add("-Xmx" + options.heap);
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.addAll(options.jvmArgs);
    command.addAll(List.of("-jar", jar.toString(), "--config", file.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    pb.environment().putAll(options.env);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot launch " + command, e);
    }
    return new GatewayProcess(config, process, log);
  }

  private static Path jar() {
    String value = System.getProperty(JAR_PROPERTY);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property "
              + JAR_PROPERTY
              + " is not set: run integration tests through Maven (./mvnw verify or scripts/test),"
              + " which builds the shaded jar and passes its path");
    }
    Path jar = Path.of(value);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          JAR_PROPERTY + "=" + jar + " does not exist: run ./mvnw package first");
    }
    return jar;
  }

  /**
   * Waits until {@code /health/ready} answers 200; fails at once, with the log, if the process
   * ends.
   */
  public void awaitReady(Http http, Duration timeout) {
    try {
      Awaitility.await("gateway process ready")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptionsInstanceOf(IOException.class)
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new IllegalStateException("the gateway exited with " + process.exitValue());
                }
                return http.get(adminUri("/health/ready")).status() == 200;
              });
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "gateway not ready within "
              + timeout
              + ": "
              + e.getMessage()
              + "\n--- "
              + log
              + "\n"
              + logTail(40),
          e);
    }
  }

  /** Sends SIGTERM (a graceful stop). */
  public void sigterm() {
    process.destroy();
  }

  /** Sends SIGKILL (a crash: nothing is drained or closed) and waits for the process to end. */
  public void sigkill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** The exit code once the process ended within {@code timeout}, else empty. */
  public OptionalInt waitForExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? OptionalInt.of(process.exitValue())
        : OptionalInt.empty();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public URI eventsUri() {
    return config.ingestUri("/v1/events");
  }

  public URI adminUri(String path) {
    return config.adminUri(path);
  }

  public Path log() {
    return log;
  }

  public String logTail(int lines) {
    return TestDirs.tail(log, lines);
  }

  /** Everything the process wrote so far (stdout and stderr). */
  public String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + log, e);
    }
  }

  /** Kills the process (if it still runs) and waits for it. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
