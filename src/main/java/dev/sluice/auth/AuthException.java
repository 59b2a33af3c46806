package dev.sluice.auth;

import dev.sluice.bus.Failure;

/**
 * Why a caller was not let in: the failure (401 family), a message for the client that names the
 * problem but never the credential, and the {@code WWW-Authenticate} value of the answer.
 */
public final class AuthException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Failure failure;
  private final String wwwAuthenticate;

  public AuthException(Failure failure, String message, String wwwAuthenticate) {
    super(message, null, false, false);
    this.failure = failure;
    this.wwwAuthenticate = wwwAuthenticate;
  }

  public Failure failure() {
    return failure;
  }

  /** The {@code WWW-Authenticate} header value of the 401 answer. */
  public String wwwAuthenticate() {
    return wwwAuthenticate;
  }
}
