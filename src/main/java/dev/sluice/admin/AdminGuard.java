package dev.sluice.admin;

import dev.sluice.auth.ApiKeys;
import dev.sluice.bus.Failure;
import dev.sluice.config.AdminConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The admin credential: {@code Authorization: Bearer <token>} whose SHA-256 is one of {@code
 * admin.token-sha256}, compared in constant time. {@code /metrics} needs it unless {@code
 * admin.metrics-open}; the dead-letter tools always do, and answer 403 (SLC-1408) while no token is
 * configured. The token is never logged nor echoed.
 */
final class AdminGuard {

  static final String CHALLENGE = "Bearer realm=\"sluice-admin\"";
  private static final String BEARER = "bearer ";

  private final List<byte[]> hashes;
  private final boolean metricsOpen;

  AdminGuard(AdminConfig config) {
    this.hashes = config.tokenSha256().stream().map(HexFormat.of()::parseHex).toList();
    this.metricsOpen = config.metricsOpen();
  }

  /** Before {@code /metrics}. */
  void metrics(RoutingContext rc) {
    if (metricsOpen) {
      rc.next();
    } else {
      check(rc, "/metrics needs the admin token (or admin.metrics-open: true)");
    }
  }

  /** Before the dead-letter tools. */
  void deadLetters(RoutingContext rc) {
    check(rc, "the dead-letter tools need the admin token");
  }

  private void check(RoutingContext rc, String what) {
    if (hashes.isEmpty()) {
      refuse(rc, 403, Failure.ADMIN_FORBIDDEN, what + ", and none is configured: set admin.token-sha256 to the "
          + "SHA-256 (hex) of a token, e.g. printf %s \"$TOKEN\" | sha256sum", null);
      return;
    }
    String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      refuse(rc, 401, Failure.UNAUTHENTICATED, what + ": send Authorization: Bearer <token>", CHALLENGE);
      return;
    }
    if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      refuse(rc, 401, Failure.CREDENTIAL_INVALID, "the Authorization header is not Bearer <token>", CHALLENGE
          + ", error=\"invalid_request\"");
      return;
    }
    if (!accepted(header.substring(BEARER.length()).trim())) {
      refuse(rc, 401, Failure.CREDENTIAL_INVALID, "the admin token is not valid", CHALLENGE
          + ", error=\"invalid_token\", error_description=\"the admin token is not valid\"");
      return;
    }
    rc.next();
  }

  /** Whether {@code token}'s SHA-256 is a configured one; every hash is compared, in constant time. */
  boolean accepted(String token) {
    byte[] hash = ApiKeys.sha256(token);
    boolean ok = false;
    for (byte[] h : hashes) {
      ok |= MessageDigest.isEqual(h, hash);
    }
    return ok;
  }

  private static void refuse(RoutingContext rc, int status, Failure failure, String message, String challenge) {
    if (challenge != null) {
      rc.response().putHeader("WWW-Authenticate", challenge);
    }
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(DlqJson.error(failure, message, null).encode());
  }
}
