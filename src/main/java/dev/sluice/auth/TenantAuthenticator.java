package dev.sluice.auth;

import dev.sluice.bus.Failure;
import dev.sluice.config.AuthConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code auth.mode: required}: an {@code Authorization: Bearer} value (an API key {@code sk_...} or a
 * JWT), else an {@code X-API-Key}, else the TLS connection's client certificate; nothing at all is
 * SLC-1401. Counts {@code sluice.auth.successes{method}} and {@code sluice.auth.failures{code}}; logs
 * refusals at DEBUG with the key id, kid or subject only, never a credential.
 */
public final class TenantAuthenticator implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(TenantAuthenticator.class);
  private static final String BEARER = "bearer ";
  /** Hashed when a key's id is unknown, so that an unknown id costs what a wrong secret does. */
  private static final byte[] NO_HASH = new byte[32];

  private final Tenants tenants;
  private final JwtAuthenticator jwt;
  private final Map<String, Future<Caller>> keyCallers = new ConcurrentHashMap<>();
  private final Map<Caller.Method, Counter> successes = new EnumMap<>(Caller.Method.class);
  private final Map<Failure, Counter> failures = new EnumMap<>(Failure.class);

  /** Fails with a {@link dev.sluice.config.ConfigException} when a JWT key file cannot be used. */
  public TenantAuthenticator(Vertx vertx, AuthConfig config, Tenants tenants, MeterRegistry registry) {
    this.tenants = tenants;
    this.jwt = new JwtAuthenticator(vertx, config.jwt(), tenants);
    for (Caller.Method m : Caller.Method.values()) {
      if (m != Caller.Method.NONE) {
        successes.put(m, Counter.builder("sluice.auth.successes").tag("method", m.name().toLowerCase(Locale.ROOT))
            .description("Ingest requests and calls let in, by credential kind").register(registry));
      }
    }
    for (Failure f : new Failure[] {Failure.UNAUTHENTICATED, Failure.CREDENTIAL_INVALID, Failure.TOKEN_EXPIRED,
        Failure.TOKEN_REJECTED}) {
      failures.put(f, Counter.builder("sluice.auth.failures").tag("code", f.id())
          .description("Ingest requests and calls refused by authentication, by code").register(registry));
    }
  }

  @Override
  public Future<Caller> authenticate(MultiMap headers, HttpConnection connection) {
    Future<Caller> who;
    try {
      who = who(headers, connection);
    } catch (RuntimeException e) { // an AuthException, or a bug: answered 500 by the edge
      who = Future.failedFuture(e);
    }
    if (who.isComplete()) {
      count(who);
      return who;
    }
    return who.andThen(this::count);
  }

  private Future<Caller> who(MultiMap headers, HttpConnection connection) {
    String authorization = headers.get("authorization");
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        throw Refusals.invalid("the Authorization header must be 'Bearer <API key or JWT>'");
      }
      String token = authorization.substring(BEARER.length()).trim();
      if (token.isEmpty()) {
        throw Refusals.invalid("the Authorization header has an empty bearer token");
      }
      return token.startsWith(ApiKeys.PREFIX) ? apiKey(token) : jwt.authenticate(token);
    }
    String apiKey = headers.get("x-api-key");
    if (apiKey != null) {
      return apiKey(apiKey.trim());
    }
    String subject = ClientCertificates.subject(connection);
    if (subject == null) {
      return Refusals.NO_CREDENTIAL_FUTURE;
    }
    try {
      return Future.succeededFuture(ClientCertificates.caller(tenants, subject));
    } catch (AuthException e) {
      LOG.debug("Client certificate {} refused: not mapped to a tenant", subject);
      throw e;
    }
  }

  private Future<Caller> apiKey(String key) {
    String id = ApiKeys.idOf(key);
    if (id == null) {
      throw Refusals.invalid("the API key is malformed (sk_<12 hex>_<43 base64url characters>)");
    }
    byte[] stored = tenants.hash(id);
    boolean matches = ApiKeys.matches(key, stored != null ? stored : NO_HASH);
    if (stored == null || !matches) {
      LOG.debug("API key {} refused ({})", id, stored == null ? "unknown id" : "wrong secret");
      throw Refusals.invalid("the API key is not valid");
    }
    return keyCallers.computeIfAbsent(id, i -> Future.succeededFuture(
        new Caller(tenants.key(i).tenant(), i, Caller.Method.API_KEY)));
  }

  private void count(io.vertx.core.AsyncResult<Caller> who) {
    if (who.succeeded()) {
      successes.get(who.result().method()).increment();
      return;
    }
    if (who.cause() instanceof AuthException e && failures.containsKey(e.failure())) {
      failures.get(e.failure()).increment();
      if (e.failure() != Failure.UNAUTHENTICATED) {
        LOG.debug("Refused {}: {}", e.failure().id(), e.getMessage());
      }
    }
  }
}
