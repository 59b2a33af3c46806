package dev.sluice.auth;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpConnection;

/**
 * Tells who a request is from, by its headers ({@code Authorization}, {@code X-API-Key}; gRPC metadata
 * are the same headers) and its connection (the client certificate of a TLS connection). Called on the
 * event loop of the request: it must not block; it completes at once when it can (an API key, a known
 * JWT key), later when it has to fetch (a JWKS refresh).
 */
public interface Authenticator {

  /** The caller, or a failed future with an {@link AuthException}. */
  Future<Caller> authenticate(MultiMap headers, HttpConnection connection);

  /** {@code auth.mode: none}: every request is {@link Caller#ANONYMOUS}. */
  static Authenticator none() {
    Future<Caller> anonymous = Future.succeededFuture(Caller.ANONYMOUS);
    return (headers, connection) -> anonymous;
  }
}
