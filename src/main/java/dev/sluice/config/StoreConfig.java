package dev.sluice.config;

/**
 * The PostgreSQL the gateway keeps its spool in (and, later, idempotency keys and dead letters).
 *
 * @param uri {@code postgresql://user:password@host:port/database} (the password is redacted in logs)
 * @param schema the schema of the gateway's tables; it must exist
 * @param maxConnections connections in the pool
 */
public record StoreConfig(String uri, String schema, int maxConnections) {

  public StoreConfig {
    Check.notBlank("store.uri", uri);
    if (!uri.startsWith("postgresql://") && !uri.startsWith("postgres://")) {
      throw new ConfigException("store.uri", "must start with postgresql:// (postgresql://user:password@host:port/db)");
    }
    Check.notBlank("store.schema", schema);
    if (!schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
      throw new ConfigException("store.schema", "'" + schema + "' is not a plain PostgreSQL identifier");
    }
    Check.atLeast("store.max-connections", maxConnections, 1);
  }

  /** The URI with its password replaced, for logs. */
  public String redactedUri() {
    return uri.replaceFirst("://([^:@/]*):[^@/]*@", "://$1:***@");
  }

  @Override
  public String toString() {
    return "StoreConfig[uri=" + redactedUri() + ", schema=" + schema + ", maxConnections=" + maxConnections + "]";
  }
}
