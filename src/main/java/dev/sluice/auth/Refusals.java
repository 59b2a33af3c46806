package dev.sluice.auth;

import dev.sluice.bus.Failure;
import io.vertx.core.Future;

/** The refusals of authentication, with their {@code WWW-Authenticate} values (RFC 6750). */
final class Refusals {

  static final String REALM = "Bearer realm=\"sluice\"";

  static final AuthException NO_CREDENTIAL = new AuthException(Failure.UNAUTHENTICATED,
      "no credential: send an API key (Authorization: Bearer sk_... or X-API-Key), a JWT (Authorization:"
          + " Bearer) or a client certificate", REALM);
  static final Future<Caller> NO_CREDENTIAL_FUTURE = Future.failedFuture(NO_CREDENTIAL);

  private Refusals() {}

  /** SLC-1402: a credential that is not valid. */
  static AuthException invalid(String message) {
    return refusal(Failure.CREDENTIAL_INVALID, message);
  }

  /** SLC-1406: a JWT past {@code exp} or before {@code nbf}. */
  static AuthException expired(String message) {
    return refusal(Failure.TOKEN_EXPIRED, message);
  }

  /** SLC-1407: a JWT whose issuer, audience, algorithm or tenant is not accepted. */
  static AuthException rejected(String message) {
    return refusal(Failure.TOKEN_REJECTED, message);
  }

  private static AuthException refusal(Failure failure, String message) {
    String text = printable(message);
    String description = text.replace('"', '\'').replace('\\', '/');
    return new AuthException(failure, text,
        REALM + ", error=\"invalid_token\", error_description=\"" + description + "\"");
  }

  /**
   * {@code message} with every character outside printable ASCII as {@code ?}, at most 200 of them: it
   * may quote a token's fields, and it goes into a header value (which must not hold control
   * characters), an error body and the log.
   */
  static String printable(String message) {
    int n = Math.min(message.length(), 200);
    StringBuilder b = new StringBuilder(n + 1);
    for (int i = 0; i < n; i++) {
      char c = message.charAt(i);
      b.append(c >= 0x20 && c <= 0x7e ? c : '?');
    }
    return message.length() > n ? b.append('…').toString() : b.toString();
  }
}
