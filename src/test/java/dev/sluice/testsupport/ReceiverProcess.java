package dev.sluice.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The jar's gRPC fallback receiver as a child process, as a person runs it: {@code java -cp
 * ${sluice.jar} dev.sluice.tools.DeliveryReceiver --port P --out received.jsonl [args]}, with its log
 * and its events under {@code target/it/}. {@link #sigterm()} stops it gracefully; {@link #close()}
 * kills it.
 */
public final class ReceiverProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path out;
  private final Path log;
  private final Thread killer;

  private ReceiverProcess(Process process, int port, Path out, Path log) {
    this.process = process;
    this.port = port;
    this.out = out;
    this.log = log;
    this.killer = new Thread(process::destroyForcibly, "receiver-kill-" + process.pid());
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /** Starts it on a free port with {@code args} (e.g. {@code --delay-ms 500}) and waits until it listens. */
  public static ReceiverProcess start(String... args) {
    String jar = System.getProperty(GatewayProcess.JAR_PROPERTY);
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("system property " + GatewayProcess.JAR_PROPERTY + " names no jar ("
          + jar + "): run integration tests through Maven, which builds the shaded jar first");
    }
    Path dir = TestDirs.create("receiver");
    Path out = dir.resolve("received.jsonl");
    Path log = dir.resolve("receiver.log");
    int port = Ports.free();
    List<String> command = new ArrayList<>(List.of(LocalKafka.java(), "-Xmx64m", "-cp", jar,
        "dev.sluice.tools.DeliveryReceiver", "--port", Integer.toString(port), "--out", out.toString()));
    command.addAll(List.of(args));
    Process process;
    try {
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot launch " + command, e);
    }
    ReceiverProcess receiver = new ReceiverProcess(process, port, out, log);
    try {
      Awaitility.await("receiver listening on " + port).atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> {
            if (!process.isAlive()) {
              throw new IllegalStateException("the receiver exited with " + process.exitValue() + "\n"
                  + TestDirs.tail(log, 20));
            }
            try (Socket s = new Socket()) {
              s.connect(new InetSocketAddress("127.0.0.1", port), 200);
              return true;
            } catch (IOException notYet) {
              return false;
            }
          });
    } catch (RuntimeException | Error e) {
      receiver.close();
      throw e;
    }
    return receiver;
  }

  public int port() {
    return port;
  }

  /** The events it took, one JSON line each. */
  public List<String> received() {
    try {
      return Files.exists(out) ? Files.readAllLines(out) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String logTail(int lines) {
    return TestDirs.tail(log, lines);
  }

  /** Sends SIGTERM (a graceful stop). */
  public void sigterm() {
    process.destroy();
  }

  /** The exit code once the process ended within {@code timeout}, else empty. */
  public OptionalInt waitForExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? OptionalInt.of(process.exitValue())
        : OptionalInt.empty();
  }

  /** Kills the process (SIGKILL, if it still runs) and waits for it. */
  public void kill() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Kills the process (if it still runs) and waits for it. */
  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
