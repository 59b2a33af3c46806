package dev.sluice.auth;

/**
 * An authenticated caller.
 *
 * @param tenant the tenant its credential maps to
 * @param credentialId what names the credential in logs and metrics, never a secret: an API key's id,
 *     a JWT's {@code sub}, a certificate's subject
 * @param method how it authenticated
 */
public record Caller(Tenant tenant, String credentialId, Method method) {

  /** The caller of {@code auth.mode: none}. */
  public static final Caller ANONYMOUS = new Caller(Tenant.ANONYMOUS, "anonymous", Method.NONE);

  /** How a caller authenticated. */
  public enum Method {
    API_KEY,
    JWT,
    CERTIFICATE,
    NONE
  }
}
