package dev.sluice.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Kafka broker process of a test's own (KRaft, one node), for tests that stop and restart Kafka:
 * started from the jars in {@code SLUICE_TEST_KAFKA_LIBS}, on free ports below 32768, with its data
 * and log under {@code target/it/}. {@link #stop()} sends SIGTERM and waits; {@link #start()} again
 * reuses the same ports and data. As a JUnit extension ({@code @RegisterExtension static final
 * LocalKafka KAFKA = new LocalKafka("name")}) it starts before the class and is killed after it,
 * also on failure.
 */
public final class LocalKafka implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  public static final String LIBS_ENV = "SLUICE_TEST_KAFKA_LIBS";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final Map<String, String> overrides = new LinkedHashMap<>();
  private Path libs;
  private Path dir;
  private Path properties;
  private Path log4j;
  private Path log;
  private int port;
  private int controllerPort;
  private Process process;
  private Thread killer;
  private KafkaOps ops;

  public LocalKafka(String name) {
    this.name = name;
  }

  /**
   * Sets a broker property (replacing the default of the same key) for the first start, e.g. {@code
   * with("auto.create.topics.enable", "false")}.
   */
  public LocalKafka with(String key, String value) {
    if (dir != null) {
      throw new IllegalStateException("broker properties are set before the first start");
    }
    overrides.put(key, value);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the broker (first time: on new ports and data) and waits until it serves. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    if (dir == null) {
      prepare();
    }
    long logSize = size(log);
    List<String> command =
        List.of(
            java(),
            "-Xmx384m",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            "-Dlog4j2.configurationFile=" + log4j,
            "-cp",
            libs.resolve("*").toString(),
            "kafka.Kafka",
            properties.toString());
    try {
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot launch Kafka: " + command, e);
    }
    if (killer == null) {
      killer = new Thread(this::kill, "local-kafka-kill-" + name);
      Runtime.getRuntime().addShutdownHook(killer);
    }
    Process started = process;
    try {
      Awaitility.await("Kafka " + name + " on " + bootstrap())
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!started.isAlive()) {
                  throw new IllegalStateException(
                      "Kafka exited with "
                          + started.exitValue()
                          + " during start-up:\n"
                          + TestDirs.tail(log, 30));
                }
                return logSince(logSize).contains("Kafka Server started");
              });
    } catch (RuntimeException e) {
      kill();
      throw new IllegalStateException(
          "Kafka did not start (log " + log + "):\n" + TestDirs.tail(log, 30), e);
    }
  }

  /** SIGTERM, then waits for the process to end (SIGKILL after 30 s). */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** SIGKILL, as in a crash: nothing is flushed; {@link #start()} brings it back on its ports and data. */
  public synchronized void sigkill() {
    kill();
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Kills the broker at once and forgets the shutdown hook. */
  @Override
  public synchronized void close() {
    if (ops != null) {
      ops.close();
      ops = null;
    }
    kill();
    if (killer != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      killer = null;
    }
  }

  private void kill() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      try {
        p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code 127.0.0.1:port}. */
  public String bootstrap() {
    if (port == 0) {
      throw new IllegalStateException("LocalKafka " + name + " was never started");
    }
    return "127.0.0.1:" + port;
  }

  /** Helpers (topics, offsets, consuming) bound to this broker. */
  public synchronized KafkaOps ops() {
    if (ops == null) {
      ops = new KafkaOps(bootstrap());
    }
    return ops;
  }

  public Path log() {
    return log;
  }

  private void prepare() {
    String env = System.getenv(LIBS_ENV);
    if (env == null || env.isBlank()) {
      throw new IllegalStateException(
          LIBS_ENV
              + " is not set: this test runs a Kafka broker of its own from a folder of Kafka 4.x"
              + " broker jars (run scripts/test, or set "
              + LIBS_ENV
              + "=/path/to/kafka-libs, e.g. .infra/kafka-libs)");
    }
    libs = Path.of(env.trim()).toAbsolutePath();
    try (var jars = Files.list(libs)) {
      if (jars.noneMatch(p -> p.getFileName().toString().startsWith("kafka_"))) {
        throw new IllegalStateException(LIBS_ENV + "=" + libs + " holds no kafka_*.jar");
      }
    } catch (IOException e) {
      throw new IllegalStateException(LIBS_ENV + "=" + libs + " cannot be read: " + e, e);
    }
    dir = TestDirs.create("kafka-" + name);
    port = Ports.free();
    controllerPort = Ports.free();
    properties = dir.resolve("server.properties");
    log4j = dir.resolve("log4j2.properties");
    log = dir.resolve("kafka.log");
    Map<String, String> props = new LinkedHashMap<>();
    for (String line :
        List.of(
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "auto.create.topics.enable=true",
            "num.partitions=3",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0")) {
      int eq = line.indexOf('=');
      props.put(line.substring(0, eq), line.substring(eq + 1));
    }
    props.putAll(overrides);
    StringBuilder text = new StringBuilder();
    props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    write(properties, text.toString());
    write(
        log4j,
        String.join(
            "\n",
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = OUT",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.out.ref = OUT",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = WARN",
            ""));
    format();
  }

  private void format() {
    List<String> command =
        List.of(
            java(),
            "-Dlog4j2.configurationFile=" + log4j,
            "-cp",
            libs.resolve("*").toString(),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            Uuid.randomUuid().toString(),
            "-c",
            properties.toString());
    try {
      Process format =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      if (!format.waitFor(60, TimeUnit.SECONDS)) {
        format.destroyForcibly();
        throw new IllegalStateException(
            "kafka storage format did not finish in 60 s:\n" + TestDirs.tail(log, 20));
      }
      if (format.exitValue() != 0) {
        throw new IllegalStateException(
            "kafka storage format failed (" + format.exitValue() + "):\n" + TestDirs.tail(log, 20));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted formatting Kafka storage", e);
    }
  }

  private String logSince(long offset) throws IOException {
    byte[] all = Files.readAllBytes(log);
    int from = (int) Math.min(offset, all.length);
    return new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
