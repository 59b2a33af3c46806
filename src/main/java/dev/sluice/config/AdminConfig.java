package dev.sluice.config;

import java.util.List;

/**
 * The admin listener: health, metrics, the dead-letter tools.
 *
 * @param tokenSha256 lowercase hex SHA-256 of the accepted admin tokens (at most two, for rotation);
 *     empty: metrics need none only if {@code metricsOpen}, and the dead-letter tools answer 403
 * @param metricsOpen whether {@code /metrics} answers without the admin token
 */
public record AdminConfig(String host, int port, TlsConfig tls, List<String> tokenSha256, boolean metricsOpen) {

  public AdminConfig {
    Check.port("admin.port", port);
    tls = tls == null ? TlsConfig.off("admin.tls") : tls;
    tokenSha256 = List.copyOf(tokenSha256);
    if (tokenSha256.size() > 2) {
      throw new ConfigException("admin.token-sha256", "takes at most two tokens (current and next), got "
          + tokenSha256.size());
    }
    for (String hash : tokenSha256) {
      if (!hash.matches("[0-9a-f]{64}")) { // a hash is not a secret, but a token put here by mistake is
        throw new ConfigException("admin.token-sha256", "must hold lowercase hex SHA-256 hashes (64 characters) of "
            + "the tokens, e.g. printf %s \"$TOKEN\" | sha256sum; an entry is not one");
      }
    }
  }

  /** Plain HTTP, no admin token, metrics closed. */
  public AdminConfig(String host, int port) {
    this(host, port, null, List.of(), false);
  }

  @Override
  public String toString() {
    return "AdminConfig[host=" + host + ", port=" + port + ", tls=" + tls + ", tokens=" + tokenSha256.size()
        + ", metricsOpen=" + metricsOpen + "]";
  }
}
