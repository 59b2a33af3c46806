package dev.sluice.config;

/** Validation helpers that name the key they check. */
final class Check {

  private Check() {}

  static void atLeast(String key, long value, long min) {
    if (value < min) {
      throw new ConfigException(key, "must be >= " + min + ", got " + value);
    }
  }

  static void port(String key, int port) {
    if (port < 0 || port > 65535) {
      throw new ConfigException(key, "must be a TCP port (0-65535), got " + port);
    }
  }

  static String notBlank(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key, "is required");
    }
    return value;
  }
}
