package dev.sluice.config;

/** How long a SIGTERM waits for in-flight events before closing. */
public record ShutdownConfig(int drainTimeoutMs) {

  public ShutdownConfig {
    Check.atLeast("shutdown.drain-timeout-ms", drainTimeoutMs, 0);
  }
}
