package dev.sluice.auth;

import dev.sluice.config.AuthConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JWT bearer tokens: parsed, signature checked with a known key (fetching the JWKS again for an unknown
 * kid), claims checked. A token that passed is remembered (bounded, by the SHA-256 of the whole token)
 * so that a client reusing it costs a hash and a map lookup; its {@code exp}/{@code nbf} are checked
 * again on every use. Shared by every event loop; a caller that waited for a fetch is answered on its
 * own context.
 */
final class JwtAuthenticator {

  private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
  /** Tokens remembered at most; past it the memory is cleared (and refilled by the next uses). */
  static final int CACHE_MAX = 10_000;

  private record Verified(Future<Caller> caller, long exp, long nbf) {}

  private final AuthConfig.Jwt config;
  private final Tenants tenants;
  private final JwtKeys keys;
  private final ConcurrentHashMap<ByteBuffer, Verified> verified = new ConcurrentHashMap<>();

  JwtAuthenticator(Vertx vertx, AuthConfig.Jwt config, Tenants tenants) {
    this.config = config;
    this.tenants = tenants;
    this.keys = config.any()
        ? new JwtKeys(vertx, PublicKeys.fromPemFiles(config.publicKeys()), config.jwksUrl(),
            config.jwksMinRefreshMs(), verified::clear)
        : null;
    if (keys != null) {
      keys.refresh(); // the first JWKS fetch, when there is a JWKS URL
    }
  }

  /** The token's caller; throws or fails with an {@link AuthException}. */
  Future<Caller> authenticate(String token) {
    ByteBuffer digest = ByteBuffer.wrap(ApiKeys.sha256(token));
    long now = System.currentTimeMillis() / 1000;
    Verified known = verified.get(digest);
    if (known != null) {
      try {
        Jwt.checkTime(known.exp, known.nbf, config.leewaySeconds(), now);
      } catch (AuthException e) {
        verified.remove(digest);
        throw e;
      }
      return known.caller;
    }
    if (keys == null) {
      throw Refusals.invalid("JWTs are not accepted here (no auth.jwt.public-keys or auth.jwt.jwks-url)");
    }
    Jwt jwt = Jwt.parse(token);
    PublicKey key = keys.known(jwt.kid());
    if (key != null) {
      return admit(jwt, key, digest, now);
    }
    Future<Void> refresh = keys.refresh();
    if (refresh == null) {
      throw unknownKid(jwt);
    }
    Context context = Vertx.currentContext();
    Promise<Caller> answer = Promise.promise();
    refresh.onComplete(ar -> {
      Runnable settle = () -> {
        try {
          PublicKey k = keys.known(jwt.kid());
          if (k == null) {
            throw unknownKid(jwt);
          }
          answer.complete(admit(jwt, k, digest, System.currentTimeMillis() / 1000).result());
        } catch (RuntimeException e) { // an AuthException, or a bug: the paused request must be answered
          answer.fail(e);
        }
      };
      if (context == null) {
        settle.run();
      } else {
        context.runOnContext(v -> settle.run());
      }
    });
    return answer.future();
  }

  private Future<Caller> admit(Jwt jwt, PublicKey key, ByteBuffer digest, long now) {
    jwt.verify(key);
    Caller caller = jwt.caller(config, tenants, now);
    Future<Caller> answer = Future.succeededFuture(caller);
    if (verified.size() >= CACHE_MAX) {
      verified.clear();
    }
    verified.put(digest, new Verified(answer, jwt.expiry(), jwt.notBefore()));
    LOG.debug("JWT kid={} sub={} admitted for tenant {}", jwt.kid(), caller.credentialId(), caller.tenant().name());
    return answer;
  }

  private static AuthException unknownKid(Jwt jwt) {
    String kid = jwt.kid().length() > 64 ? jwt.kid().substring(0, 64) + "..." : jwt.kid();
    return Refusals.invalid("the token's key id (kid) '" + kid.replaceAll("[^\\x20-\\x7e]", "?") + "' is not known");
  }
}
