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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A RabbitMQ node of a test's own, for tests that restart it or force its connections closed: the
 * Debian package's scripts ({@code /usr/lib/rabbitmq/bin}) with a node name, AMQP port and
 * distribution port of its own (free ports below 32768) and its data, logs and Erlang cookie under
 * {@code target/it/}. {@link #stop()} stops it cleanly and {@link #start()} again reuses ports and
 * data (durable queues and persistent messages survive). As a JUnit extension it starts before the
 * class and is stopped after it. {@link #tls} adds a TLS listener (AMQPS) on a port of its own.
 */
public final class LocalRabbit implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  private static final Path BIN = Path.of("/usr/lib/rabbitmq/bin");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final String name;
  private Path dir;
  private int port;
  private int distPort;
  private int tlsPort;
  private Tls tls;
  private Process process;
  private Thread killer;

  public LocalRabbit(String name) {
    this.name = name;
  }

  /**
   * The TLS listener's files (PEM): the broker's certificate and key, and the CAs it trusts for client
   * certificates; and what it does with a client's certificate.
   */
  public record Tls(Path caFile, Path certFile, Path keyFile, ClientCert clientCert) {}

  /** {@code ssl_options.verify} and {@code fail_if_no_peer_cert} of the TLS listener. */
  public enum ClientCert {
    /** {@code verify_none}: not asked for. */
    IGNORED,
    /** {@code verify_peer}: verified when the client sends one; a client without one is let in. */
    VERIFIED,
    /** {@code verify_peer} and {@code fail_if_no_peer_cert}: mutual TLS. */
    REQUIRED
  }

  /** Adds a TLS listener ({@link #tlsPort()}) beside the plain one; before the first {@link #start()}. */
  public LocalRabbit tls(Tls tls) {
    if (dir != null) {
      throw new IllegalStateException("tls(...) must come before the first start()");
    }
    this.tls = tls;
    return this;
  }

  /** The TLS listener's port ({@link #tls}). */
  public int tlsPort() {
    if (tls == null) {
      throw new IllegalStateException("this node has no TLS listener");
    }
    return tlsPort;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the node (first time: on new ports and data) and waits until it serves. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    if (!Files.isExecutable(BIN.resolve("rabbitmq-server"))) {
      throw new IllegalStateException(
          BIN + "/rabbitmq-server not found: install the Debian package (scripts/infra start rabbitmq does)");
    }
    if (dir == null) {
      prepare();
    }
    ProcessBuilder pb = new ProcessBuilder(BIN.resolve("rabbitmq-server").toString())
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.out").toFile()));
    env(pb.environment());
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot launch rabbitmq-server", e);
    }
    if (killer == null) {
      killer = new Thread(this::kill, "local-rabbit-kill-" + name);
      Runtime.getRuntime().addShutdownHook(killer);
    }
    Process started = process;
    try {
      Awaitility.await("RabbitMQ " + name + " on port " + port)
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            if (!started.isAlive()) {
              throw new IllegalStateException("rabbitmq-server exited with " + started.exitValue());
            }
            return portOpen();
          });
      ctl(START_TIMEOUT, "-q", "--timeout", "60", "await_startup");
    } catch (RuntimeException e) {
      kill();
      throw new IllegalStateException(
          "RabbitMQ did not start:\n" + TestDirs.tail(dir.resolve("server.out"), 30), e);
    }
  }

  /** A clean stop ({@code rabbitmqctl stop}); waits for the node to exit. */
  public synchronized void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      ctl(Duration.ofSeconds(60), "-q", "stop");
    } catch (RuntimeException e) {
      process.destroy();
    }
    waitGone(Duration.ofSeconds(30));
  }

  /** Closes every client connection on the broker side ({@code rabbitmqctl close_all_connections}). */
  public void closeAllConnections() {
    ctl(Duration.ofSeconds(30), "-q", "close_all_connections", "test: forced close");
  }

  /** Runs {@code rabbitmqctl args...} against this node. */
  public void rabbitmqctl(String... args) {
    ctl(Duration.ofSeconds(60), args);
  }

  /**
   * The client certificate subjects of the open connections ({@code rabbitmqctl list_connections
   * peer_cert_subject}), one line each; blank for a connection without one.
   */
  public List<String> connectionCertSubjects() {
    Path out = dir.resolve("list-connections.out");
    ctl(Duration.ofSeconds(30), ProcessBuilder.Redirect.to(out.toFile()),
        "-q", "list_connections", "peer_cert_subject", "--no-table-headers");
    try {
      return Files.readAllLines(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + out, e);
    }
  }

  public String uri() {
    return "amqp://guest:guest@127.0.0.1:" + port;
  }

  public RabbitOps ops() {
    return new RabbitOps(uri());
  }

  @Override
  public synchronized void close() {
    stop();
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
    if (p != null) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      waitGone(Duration.ofSeconds(10));
    }
  }

  private void waitGone(Duration timeout) {
    try {
      List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
      process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      for (ProcessHandle h : all) {
        h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // left for kill()
    }
  }

  private void prepare() {
    dir = TestDirs.create("rabbit-" + name);
    port = Ports.free();
    distPort = Ports.free();
    try {
      Files.createDirectories(dir.resolve("mnesia"));
      Files.createDirectories(dir.resolve("log"));
      Files.writeString(dir.resolve("rabbitmq-env.conf"), "");
      Files.writeString(dir.resolve("advanced.config"), "[].\n");
      Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
      String conf = "listeners.tcp.default = 127.0.0.1:" + port + "\nlog.file.level = info\nlog.console = false\n";
      if (tls != null) {
        tlsPort = Ports.free();
        conf += "listeners.ssl.default = 127.0.0.1:" + tlsPort + "\n"
            + "ssl_options.cacertfile = " + tls.caFile().toAbsolutePath() + "\n"
            + "ssl_options.certfile = " + tls.certFile().toAbsolutePath() + "\n"
            + "ssl_options.keyfile = " + tls.keyFile().toAbsolutePath() + "\n"
            + switch (tls.clientCert()) {
              case IGNORED -> "ssl_options.verify = verify_none\n";
              case VERIFIED -> "ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = false\n";
              case REQUIRED -> "ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n";
            };
      }
      Files.writeString(dir.resolve("rabbitmq.conf"), conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
  }

  private void env(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("RABBITMQ_"));
    env.put("HOME", dir.toString());
    env.put("PATH", BIN + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("RABBITMQ_NODENAME", "sluice-it-" + port + "@localhost");
    env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
    env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
    env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
    env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
    env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
    env.put("RABBITMQ_PID_FILE", dir.resolve("rabbit.pid").toString());
    env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
    env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
    env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
    env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
    env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
  }

  private void ctl(Duration timeout, String... args) {
    ctl(timeout, ProcessBuilder.Redirect.appendTo(dir.resolve("ctl.out").toFile()), args);
  }

  private void ctl(Duration timeout, ProcessBuilder.Redirect output, String... args) {
    List<String> command = new ArrayList<>();
    command.add(BIN.resolve("rabbitmqctl").toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(output);
    env(pb.environment());
    try {
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("rabbitmqctl " + command + " did not finish in " + timeout);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("rabbitmqctl " + command + " failed (" + p.exitValue() + "):\n"
            + TestDirs.tail(dir.resolve("ctl.out"), 10));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command, e);
    }
  }

  private boolean portOpen() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
