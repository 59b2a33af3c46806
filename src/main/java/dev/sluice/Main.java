package dev.sluice;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.schema.PayloadCheck;
import dev.sluice.schema.SchemaSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses the configuration once, starts the gateway, and turns SIGTERM / SIGINT into a graceful
 * shutdown that exits 0 once everything in flight was acknowledged (1 if the drain timed out). {@code
 * dlq ...} runs the dead-letter tools' command line instead ({@link dev.sluice.admin.DlqCli}), {@code
 * schemas check ...} the schema compatibility check ({@link dev.sluice.schema.SchemasCli}), {@code keys
 * new} makes an API key ({@link dev.sluice.auth.KeysCli}).
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("dlq")) { // the dead-letter tools: a client of the admin API
      System.exit(dev.sluice.admin.DlqCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv(),
          System.out, System.err));
      return;
    }
    if (args.length > 0 && args[0].equals("schemas")) { // the schema tools: check compatibility in CI
      System.exit(dev.sluice.schema.SchemasCli.run(java.util.Arrays.copyOfRange(args, 1, args.length),
          System.getenv(), System.out, System.err));
      return;
    }
    if (args.length > 0 && args[0].equals("keys")) { // API keys for the tenants file
      System.exit(dev.sluice.auth.KeysCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out,
          System.err));
      return;
    }
    SluiceConfig config;
    PayloadCheck payloads;
    try {
      config = ConfigLoader.load(args, System.getenv());
      payloads = SchemaSet.load(config.schemas());
    } catch (ConfigException e) {
      System.err.println("sluice: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    LOG.info("Configuration: {}", ConfigLoader.describe(config));
    Gateway gateway;
    try {
      gateway = Gateway.start(config, payloads).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ConfigException) { // read at start: the tenants file, the JWT keys
        System.err.println("sluice: invalid configuration: " + cause.getMessage());
        System.exit(2);
        return;
      }
      LOG.error("Sluice failed to start: {}", cause.getMessage() != null ? cause.getMessage() : cause.toString());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    int[] exitCode = {0};
    long limitMs = shutdownLimitMs(config);
    Runnable stop =
        () -> {
          startWatchdog(limitMs);
          gateway
              .shutdown()
              .onComplete(
                  ar -> {
                    exitCode[0] = ar.succeeded() && ar.result() ? 0 : 1;
                    stopped.countDown();
                  });
        };
    Signals.onTermination(stop);
    stopped.await();
    System.exit(exitCode[0]);
  }

  /**
   * How long a shutdown may take: the drain (ingest and every bridge route at once) up to the drain
   * timeout, then closing consumers, connections and the producer (each bounded: a commit up to 10 s,
   * closes of 5 s). Past it the process halts with 1: a part that cannot stop (a socket write RabbitMQ
   * does not read while it blocks publishers) must not keep it alive, and what was not confirmed was
   * neither committed nor acked, so it is read again.
   */
  static long shutdownLimitMs(SluiceConfig config) {
    return config.shutdown().drainTimeoutMs() + CLOSE_BOUND_MS;
  }

  /** Closing after the drain, at most (see {@link #shutdownLimitMs}). */
  static final long CLOSE_BOUND_MS = 25_000;

  private static void startWatchdog(long limitMs) {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(limitMs);
              } catch (InterruptedException e) {
                return;
              }
              LOG.error("Shutdown did not finish within {} ms; halting", limitMs);
              Runtime.getRuntime().halt(1);
            },
            "sluice-shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
