package dev.sluice.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys JWTs are checked with: the PEM files' (fixed) and a JWKS document's, fetched with the Vert.x
 * HTTP client at start and again when a token names a key id neither has — at most once per {@code
 * minRefreshMs}, and callers that ask while a fetch runs share it. Thread-safe: every event loop asks.
 */
final class JwtKeys {

  private static final Logger LOG = LoggerFactory.getLogger(JwtKeys.class);
  private static final long FETCH_TIMEOUT_MS = 5000;

  private final Map<String, PublicKey> fixed;
  private final HttpClient client;
  private final URI jwksUrl;
  private final long minRefreshNanos;
  private final Runnable onChange;
  private volatile Map<String, PublicKey> fetched = Map.of();
  private Future<Void> fetching;
  private long lastFetchNanos;
  private boolean everFetched;

  /**
   * @param jwksUrl null: the fixed keys only
   * @param onChange run when a fetch changed the JWKS keys (cached tokens are to be forgotten)
   */
  JwtKeys(Vertx vertx, Map<String, PublicKey> fixed, URI jwksUrl, long minRefreshMs, Runnable onChange) {
    this.fixed = Map.copyOf(fixed);
    this.jwksUrl = jwksUrl;
    this.minRefreshNanos = TimeUnit.MILLISECONDS.toNanos(minRefreshMs);
    this.onChange = onChange;
    this.client = jwksUrl == null ? null : vertx.createHttpClient();
  }

  /** The key named {@code kid}, or null when it is not known (yet). */
  PublicKey known(String kid) {
    PublicKey key = fixed.get(kid);
    return key != null ? key : fetched.get(kid);
  }

  /**
   * Fetches the JWKS again: the fetch running, a new one, or null when there is no JWKS URL or the last
   * fetch was less than the minimum refresh interval ago. The future never fails.
   */
  synchronized Future<Void> refresh() {
    if (jwksUrl == null) {
      return null;
    }
    if (fetching != null) {
      return fetching;
    }
    long now = System.nanoTime();
    if (everFetched && now - lastFetchNanos < minRefreshNanos) {
      return null;
    }
    everFetched = true;
    lastFetchNanos = now;
    Future<Void> f = fetch();
    fetching = f;
    f.onComplete(ar -> {
      synchronized (this) {
        if (fetching == f) {
          fetching = null;
        }
      }
    });
    return fetching;
  }

  private Future<Void> fetch() {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(jwksUrl.toString())
        .setTimeout(FETCH_TIMEOUT_MS).putHeader("accept", "application/json");
    return client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.statusCode() == 200
            ? resp.body()
            : Future.failedFuture("HTTP " + resp.statusCode()))
        .map(body -> PublicKeys.fromJwks(new JsonObject(body)))
        .map(keys -> {
          boolean changed = !keys.equals(fetched);
          fetched = Map.copyOf(keys);
          if (changed) {
            LOG.info("JWKS {}: key ids {}", jwksUrl, keys.keySet());
            onChange.run();
          }
          return (Void) null;
        })
        .recover(err -> {
          LOG.warn("JWKS {} could not be fetched ({}); keeping the {} keys known", jwksUrl, err.toString(),
              fetched.size());
          return Future.succeededFuture();
        });
  }
}
