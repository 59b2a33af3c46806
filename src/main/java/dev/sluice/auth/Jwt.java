package dev.sluice.auth;

import dev.sluice.config.AuthConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A JWS compact token, read and checked: its form, its algorithm (no {@code none}, no HMAC), its
 * signature against a key, then its claims ({@code iss}, {@code aud}, {@code exp}, {@code nbf} with the
 * leeway, the tenant claim). Pure logic: the key and the clock are given.
 *
 * @param algorithm the token's {@code alg}
 * @param kid the token's {@code kid}
 * @param claims its payload
 * @param input what was signed (header.payload, ASCII)
 * @param signature its signature
 */
record Jwt(JwtAlgorithm algorithm, String kid, JsonObject claims, byte[] input, byte[] signature) {

  /** The longest {@code sub} kept as the caller's credential id. */
  private static final int MAX_SUB = 128;

  /** Reads {@code token}; fails SLC-1402 for a malformed one, SLC-1407 for an algorithm not accepted. */
  static Jwt parse(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
      throw Refusals.invalid("the bearer token is neither an API key (sk_...) nor a JWT (header.payload.signature)");
    }
    JsonObject header = json(token.substring(0, first), "header");
    JsonObject claims = json(token.substring(first + 1, second), "payload");
    byte[] signature = decode(token.substring(second + 1), "signature");
    Object alg = header.getValue("alg");
    JwtAlgorithm algorithm = alg instanceof String s ? JwtAlgorithm.of(s) : null;
    if (algorithm == null) {
      throw Refusals.rejected("the token's alg " + (alg instanceof String s && s.length() <= 16 ? "'" + s + "' " : "")
          + "is not accepted (RS256/384/512, PS256/384/512, ES256/384/512)");
    }
    if (header.containsKey("crit")) {
      throw Refusals.rejected("the token names critical header extensions (crit), which are not supported");
    }
    Object kid = header.getValue("kid");
    if (!(kid instanceof String k) || k.isEmpty() || k.length() > 256) {
      throw Refusals.invalid("the token has no key id (kid)");
    }
    return new Jwt(algorithm, k, claims, token.substring(0, second).getBytes(StandardCharsets.US_ASCII), signature);
  }

  /** Fails SLC-1402 unless the signature verifies with {@code key}. */
  void verify(java.security.PublicKey key) {
    if (!algorithm.fits(key)) {
      throw Refusals.invalid("the token's alg " + algorithm + " does not fit the key " + kid);
    }
    if (!algorithm.verify(key, input, signature)) {
      throw Refusals.invalid("the token's signature is not valid");
    }
  }

  /**
   * The caller of a token whose signature verified: fails SLC-1407 for an issuer, audience or tenant
   * not accepted, SLC-1406 when {@code now} is past {@code exp} or before {@code nbf} beyond the leeway.
   */
  Caller caller(AuthConfig.Jwt config, Tenants tenants, long nowSeconds) {
    if (!config.issuer().isEmpty() && !config.issuer().equals(claims.getValue("iss"))) {
      throw Refusals.rejected("the token's issuer (iss) is not accepted");
    }
    if (!config.audience().isEmpty() && !audienceHolds(config.audience())) {
      throw Refusals.rejected("the token's audience (aud) does not include " + config.audience());
    }
    long exp = seconds("exp");
    if (exp == Long.MIN_VALUE) {
      throw Refusals.rejected("the token has no expiry (exp)");
    }
    long nbf = seconds("nbf");
    checkTime(exp, nbf, config.leewaySeconds(), nowSeconds);
    Object tenantName = claims.getValue(config.tenantClaim());
    Tenant tenant = tenantName instanceof String s ? tenants.tenant(s) : null;
    if (tenant == null) {
      throw Refusals.rejected(tenantName == null
          ? "the token has no tenant claim (" + config.tenantClaim() + ")"
          : "the token's tenant (claim " + config.tenantClaim() + ") is not a tenant of this gateway");
    }
    Object sub = claims.getValue("sub");
    String id = sub instanceof String s && !s.isEmpty()
        ? (s.length() > MAX_SUB ? s.substring(0, MAX_SUB) : s)
        : "kid:" + kid;
    return new Caller(tenant, id, Caller.Method.JWT);
  }

  /** {@code exp} in epoch seconds, or {@link Long#MAX_VALUE} when absent (for the cache). */
  long expiry() {
    long exp = seconds("exp");
    return exp == Long.MIN_VALUE ? Long.MAX_VALUE : exp;
  }

  /** {@code nbf} in epoch seconds, or {@link Long#MIN_VALUE} when absent. */
  long notBefore() {
    return seconds("nbf");
  }

  /** Fails SLC-1406 when {@code now} is past {@code exp} or before {@code nbf}, beyond the leeway. */
  static void checkTime(long exp, long nbf, int leeway, long now) {
    // now ± leeway cannot overflow (now is the clock, leeway at most 600); exp and nbf are the token's
    if (now - leeway > exp) {
      throw Refusals.expired("the token expired at " + instant(exp));
    }
    if (nbf != Long.MIN_VALUE && now + leeway < nbf) {
      throw Refusals.expired("the token is not valid before " + instant(nbf));
    }
  }

  /** {@code seconds} as an instant when {@link Instant} can hold it, else as the number. */
  private static String instant(long seconds) {
    return seconds >= Instant.MIN.getEpochSecond() && seconds <= Instant.MAX.getEpochSecond()
        ? Instant.ofEpochSecond(seconds).toString() : seconds + " (epoch seconds)";
  }

  private boolean audienceHolds(String audience) {
    Object aud = claims.getValue("aud");
    if (aud instanceof String s) {
      return s.equals(audience);
    }
    return aud instanceof JsonArray a && a.contains(audience);
  }

  private long seconds(String claim) {
    Object v = claims.getValue(claim);
    if (v == null) {
      return Long.MIN_VALUE;
    }
    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw Refusals.invalid("the token's " + claim + " is not a number of seconds");
    }
    return n.longValue();
  }

  private static JsonObject json(String part, String what) {
    byte[] bytes = decode(part, what);
    try {
      return new JsonObject(Buffer.buffer(bytes));
    } catch (RuntimeException e) {
      throw Refusals.invalid("the token's " + what + " is not a JSON object");
    }
  }

  private static byte[] decode(String part, String what) {
    try {
      return Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      throw Refusals.invalid("the token's " + what + " is not base64url");
    }
  }
}
