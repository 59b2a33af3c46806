package dev.sluice.config;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The JSON Schemas of event payloads: {@code <dir>/<eventType>/<version>.json}.
 *
 * @param enabled off: no payload is checked (the directory is not read)
 * @param dir where the schemas are, resolved (beside the config file for a relative name); a directory
 *     that does not exist means no schemas
 * @param compatibility the rule between consecutive versions of a type, checked at start
 */
public record SchemasConfig(boolean enabled, Path dir, Compatibility compatibility) {

  /**
   * What a new version must keep (the Confluent Schema Registry's meaning): {@code BACKWARD}, consumers
   * on the new schema read data written with the previous one; {@code FORWARD}, consumers on the previous
   * one read data written with the new; {@code FULL}, both; {@code NONE}, no check.
   */
  public enum Compatibility {
    BACKWARD, FORWARD, FULL, NONE;

    public static Compatibility of(String key, String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key, "must be backward, forward, full or none, got '" + value + "'");
      }
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SchemasConfig {
    if (dir == null) {
      throw new ConfigException("schemas.dir", "is required");
    }
    if (compatibility == null) {
      throw new ConfigException("schemas.compatibility", "is required");
    }
  }

  /**
   * {@code name} as a directory: an absolute path is itself, a relative one lies beside {@code configFile}
   * or, without a config file, in the working directory.
   */
  static Path resolve(String name, Path configFile) {
    Path path = Path.of(name);
    if (path.isAbsolute() || configFile == null) {
      return path.toAbsolutePath().normalize();
    }
    Path parent = configFile.toAbsolutePath().getParent();
    return (parent == null ? path : parent.resolve(path)).normalize();
  }
}
