package dev.sluice.config;

/** The admin listener: health, metrics. */
public record AdminConfig(String host, int port) {

  public AdminConfig {
    Check.port("admin.port", port);
  }
}
