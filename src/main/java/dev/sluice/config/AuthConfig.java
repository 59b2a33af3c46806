package dev.sluice.config;

import java.util.Locale;

/** Who may publish: {@code auth.*}. */
public record AuthConfig(Mode mode) {

  /** {@code auth.mode}. */
  public enum Mode {
    /** Every ingest request needs a credential that maps to a tenant. */
    REQUIRED,
    /** Anyone who reaches the port may publish anything (a WARN at start says so). */
    NONE;

    static Mode of(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("auth.mode", "must be required or none, not '" + value + "'");
      }
    }
  }

  public AuthConfig {
    if (mode == null) {
      throw new ConfigException("auth.mode", "must be required or none");
    }
  }

  static AuthConfig of(String mode) {
    return new AuthConfig(Mode.of(mode));
  }
}
