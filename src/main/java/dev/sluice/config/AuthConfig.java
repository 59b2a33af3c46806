package dev.sluice.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Who may publish: {@code auth.*}.
 *
 * @param mode required or none
 * @param tenantsFile the tenants file ({@code auth.tenants-file}), resolved: {@code classpath:NAME}, or an
 *     absolute path (a relative name lies beside the config file); read when the gateway starts
 * @param jwt how bearer tokens that are not API keys are checked
 */
public record AuthConfig(Mode mode, String tenantsFile, Jwt jwt) {

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

  /**
   * {@code auth.jwt.*}.
   *
   * @param issuer the {@code iss} a token must have; empty = any
   * @param audience a value the token's {@code aud} (string or array) must hold; empty = any
   * @param leewaySeconds clock skew allowed on {@code exp} and {@code nbf}
   * @param publicKeys PEM public keys (or certificates), resolved; the key id is the file name
   *     without its extension
   * @param jwksUrl a JWKS document fetched at start and when a token names an unknown key id; null = none
   * @param jwksMinRefreshMs at most one JWKS fetch per this interval
   * @param tenantClaim the claim that names the token's tenant
   */
  public record Jwt(String issuer, String audience, int leewaySeconds, List<Path> publicKeys, URI jwksUrl,
      long jwksMinRefreshMs, String tenantClaim) {

    public Jwt {
      issuer = issuer == null ? "" : issuer;
      audience = audience == null ? "" : audience;
      if (leewaySeconds < 0 || leewaySeconds > 600) {
        throw new ConfigException("auth.jwt.leeway-seconds", "must be 0 to 600, got " + leewaySeconds);
      }
      publicKeys = List.copyOf(publicKeys);
      if (jwksUrl != null && !List.of("http", "https").contains(String.valueOf(jwksUrl.getScheme()))) {
        throw new ConfigException("auth.jwt.jwks-url", "must be an http(s) URL, got '" + jwksUrl + "'");
      }
      if (jwksUrl != null && (jwksUrl.getHost() == null || jwksUrl.getHost().isEmpty())) {
        throw new ConfigException("auth.jwt.jwks-url", "has no host: '" + jwksUrl + "'");
      }
      if (jwksUrl != null && jwksUrl.getScheme().equals("http") && !loopback(jwksUrl.getHost())) {
        // keys fetched in the clear let anyone on the way mint tokens for every tenant
        throw new ConfigException("auth.jwt.jwks-url", "must be https (http only to a loopback address), got '"
            + jwksUrl + "'");
      }
      if (jwksMinRefreshMs < 0) {
        throw new ConfigException("auth.jwt.jwks-min-refresh-ms", "must be >= 0, got " + jwksMinRefreshMs);
      }
      Check.notBlank("auth.jwt.tenant-claim", tenantClaim);
    }

    /** Whether any key can check a token. */
    public boolean any() {
      return !publicKeys.isEmpty() || jwksUrl != null;
    }

    private static boolean loopback(String host) {
      return host.equals("localhost") || host.equals("[::1]") || host.equals("::1") || host.startsWith("127.");
    }
  }

  public AuthConfig {
    if (mode == null) {
      throw new ConfigException("auth.mode", "must be required or none");
    }
    Check.notBlank("auth.tenants-file", tenantsFile);
    if (jwt == null) {
      throw new ConfigException("auth.jwt", "is required");
    }
  }

  static AuthConfig load(ConfigTree t, Path configFile) {
    List<Path> keys = ConfigLoader.strings("auth.jwt.public-keys", t.raw("auth.jwt.public-keys")).stream()
        .filter(s -> !s.isEmpty())
        .map(s -> SchemasConfig.resolve(s, configFile))
        .toList();
    String url = t.optionalString("auth.jwt.jwks-url");
    URI jwks;
    try {
      jwks = url.isEmpty() ? null : new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("auth.jwt.jwks-url", "'" + url + "' is not a URL: " + e.getReason());
    }
    return new AuthConfig(Mode.of(t.string("auth.mode")), resolve(t.string("auth.tenants-file"), configFile),
        new Jwt(t.optionalString("auth.jwt.issuer"), t.optionalString("auth.jwt.audience"),
            t.integer("auth.jwt.leeway-seconds"), keys, jwks, t.longValue("auth.jwt.jwks-min-refresh-ms"),
            t.string("auth.jwt.tenant-claim")));
  }

  /** Like {@code routing.file}: classpath:NAME, an absolute path, beside the config file, or bundled. */
  private static String resolve(String name, Path configFile) {
    if (name.startsWith(ConfigLoader.CLASSPATH) || Path.of(name).isAbsolute()) {
      return name;
    }
    if (configFile == null) {
      return ConfigLoader.CLASSPATH + name;
    }
    return SchemasConfig.resolve(name, configFile).toString();
  }
}
