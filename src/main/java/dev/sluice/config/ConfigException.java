package dev.sluice.config;

/** An invalid configuration value; the message names the key and the problem. */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public ConfigException(String key, String problem, Throwable cause) {
    super(key + ": " + problem, cause);
    this.key = key;
  }

  /** The key path, e.g. {@code kafka.bootstrap-servers}. */
  public String key() {
    return key;
  }
}
