package dev.sluice.auth;

import static dev.sluice.testsupport.Jwts.claims;
import static dev.sluice.testsupport.Jwts.now;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.bus.Failure;
import dev.sluice.config.AuthConfig;
import dev.sluice.testsupport.Jwts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JWT checks without a server: form, algorithm, signature, iss/aud/exp/nbf with the leeway, tenant claim. */
class JwtTest {

  private static final KeyPair RSA = Jwts.rsa();
  private static final KeyPair EC = Jwts.ec();
  private static final Tenant TEAM_A = new Tenant("team-a", List.of("#"), List.of(), null);
  private static final Tenants TENANTS = new Tenants(List.of(TEAM_A), List.of(), Map.of());
  private static final AuthConfig.Jwt CONFIG =
      new AuthConfig.Jwt("https://idp.example", "sluice", 30, List.of(), null, 1000, "tenant");

  private static Caller check(String token, KeyPair keys) {
    Jwt jwt = Jwt.parse(token);
    jwt.verify(keys.getPublic());
    return jwt.caller(CONFIG, TENANTS, now());
  }

  private static AuthException refusal(String token, KeyPair keys) {
    return catchThrowableOfType(AuthException.class, () -> check(token, keys));
  }

  @Test
  void acceptsRs256Es256AndPs256TokensAndNamesTheSubject() {
    JsonObject c = claims("svc-1", "team-a", 300, "https://idp.example", "sluice");
    assertThat(check(Jwts.sign("RS256", "k1", RSA.getPrivate(), c), RSA))
        .isEqualTo(new Caller(TEAM_A, "svc-1", Caller.Method.JWT));
    assertThat(check(Jwts.sign("ES256", "k2", EC.getPrivate(), c), EC).tenant()).isEqualTo(TEAM_A);
    assertThat(check(Jwts.sign("PS256", "k3", RSA.getPrivate(), c), RSA).credentialId()).isEqualTo("svc-1");
  }

  @Test
  void audienceMayBeAnArrayThatHoldsOurs() {
    JsonObject c = claims("svc-1", "team-a", 300, "https://idp.example", new JsonArray().add("other").add("sluice"));
    assertThat(check(Jwts.sign("RS256", "k1", RSA.getPrivate(), c), RSA).tenant()).isEqualTo(TEAM_A);
    JsonObject wrong = claims("svc-1", "team-a", 300, "https://idp.example", new JsonArray().add("other"));
    AuthException e = refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(), wrong), RSA);
    assertThat(e.failure()).isEqualTo(Failure.TOKEN_REJECTED);
    assertThat(e.getMessage()).contains("audience");
    assertThat(refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(),
        claims("svc-1", "team-a", 300, "https://idp.example", null)), RSA).failure()).isEqualTo(Failure.TOKEN_REJECTED);
  }

  @Test
  void refusesAnotherIssuer() {
    AuthException e = refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(),
        claims("svc-1", "team-a", 300, "https://evil.example", "sluice")), RSA);
    assertThat(e.failure()).isEqualTo(Failure.TOKEN_REJECTED);
    assertThat(e.getMessage()).contains("issuer");
  }

  @Test
  void expAndNbfAllowTheLeewayAndNoMore() {
    String withinLeeway = Jwts.sign("RS256", "k1", RSA.getPrivate(),
        claims("s", "team-a", -20, "https://idp.example", "sluice"));
    assertThat(check(withinLeeway, RSA).tenant()).isEqualTo(TEAM_A);
    AuthException expired = refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(),
        claims("s", "team-a", -40, "https://idp.example", "sluice")), RSA);
    assertThat(expired.failure()).isEqualTo(Failure.TOKEN_EXPIRED);
    assertThat(expired.wwwAuthenticate()).startsWith("Bearer realm=\"sluice\", error=\"invalid_token\"");
    JsonObject early = claims("s", "team-a", 300, "https://idp.example", "sluice").put("nbf", now() + 60);
    assertThat(refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(), early), RSA).failure())
        .isEqualTo(Failure.TOKEN_EXPIRED);
    JsonObject soon = claims("s", "team-a", 300, "https://idp.example", "sluice").put("nbf", now() + 20);
    assertThat(check(Jwts.sign("RS256", "k1", RSA.getPrivate(), soon), RSA).tenant()).isEqualTo(TEAM_A);
  }

  /** A control character in the token's alg must not reach a header value (Vert.x refuses it: a 500). */
  @Test
  void anUnprintableAlgIsNeverQuotedAsItIs() {
    JsonObject c = claims("s", "team-a", 300, "https://idp.example", "sluice");
    for (String alg : List.of("\n", "\u007f", "a\r\nX-Evil: 1", "\u00e9")) {
      String t = Jwts.forged(new JsonObject().put("alg", alg).put("kid", "k1"), c, "c2ln");
      AuthException e = catchThrowableOfType(AuthException.class, () -> Jwt.parse(t));
      assertThat(e.failure()).as(alg).isEqualTo(Failure.TOKEN_REJECTED);
      assertThat(e.wwwAuthenticate() + e.getMessage()).as(alg).matches("[\\x20-\\x7e…]*");
      io.vertx.core.http.impl.headers.HeadersMultiMap.httpHeaders().add("WWW-Authenticate", e.wwwAuthenticate());
    }
  }

  /** A trusted issuer's "never expires" exp (or a far nbf) is a 401 or a pass, never an exception. */
  @Test
  void extremeExpAndNbfAreJudgedWithoutOverflow() {
    long now = now();
    assertThatCode(() -> Jwt.checkTime(Long.MAX_VALUE, Long.MIN_VALUE, 30, now)).doesNotThrowAnyException();
    assertThatCode(() -> Jwt.checkTime(Long.MAX_VALUE - 10, Long.MIN_VALUE, 600, now)).doesNotThrowAnyException();
    assertThat(catchThrowableOfType(AuthException.class, () -> Jwt.checkTime(Long.MIN_VALUE + 5, Long.MIN_VALUE, 30, now))
        .failure()).isEqualTo(Failure.TOKEN_EXPIRED);
    assertThat(catchThrowableOfType(AuthException.class, () -> Jwt.checkTime(Long.MAX_VALUE, Long.MAX_VALUE - 5, 30, now))
        .failure()).isEqualTo(Failure.TOKEN_EXPIRED);
  }

  @Test
  void refusesAlgNoneAndHmacAndUnknownAlgorithms() {
    JsonObject c = claims("s", "team-a", 300, "https://idp.example", "sluice");
    for (String alg : List.of("none", "HS256", "RS1", "ES256K")) {
      String t = Jwts.forged(new JsonObject().put("alg", alg).put("kid", "k1"), c, alg.equals("none") ? "" : "c2ln");
      AuthException e = catchThrowableOfType(AuthException.class, () -> Jwt.parse(t));
      assertThat(e).as(alg).isNotNull();
      assertThat(e.failure()).as(alg).isEqualTo(Failure.TOKEN_REJECTED);
    }
  }

  @Test
  void refusesABadSignatureAKeyOfAnotherKindAndMalformedTokens() {
    JsonObject c = claims("s", "team-a", 300, "https://idp.example", "sluice");
    assertThat(refusal(Jwts.sign("RS256", "k1", Jwts.rsa().getPrivate(), c), RSA).failure())
        .isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(), c), EC).failure())
        .isEqualTo(Failure.CREDENTIAL_INVALID);
    for (String bad : List.of("abc", "a.b", "a.b.c.d", "!!.e30.", "e30.e30.!!", Jwts.sign("RS256", null, RSA.getPrivate(), c))) {
      AuthException e = catchThrowableOfType(AuthException.class, () -> Jwt.parse(bad));
      assertThat(e).as(bad).isNotNull();
      assertThat(e.failure()).as(bad).isEqualTo(Failure.CREDENTIAL_INVALID);
    }
  }

  @Test
  void refusesAnUnknownOrMissingTenant() {
    AuthException unknown = refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(),
        claims("s", "team-b", 300, "https://idp.example", "sluice")), RSA);
    assertThat(unknown.failure()).isEqualTo(Failure.TOKEN_REJECTED);
    assertThat(unknown.getMessage()).contains("not a tenant");
    JsonObject none = claims("s", "team-a", 300, "https://idp.example", "sluice");
    none.remove("tenant");
    assertThat(refusal(Jwts.sign("RS256", "k1", RSA.getPrivate(), none), RSA).failure())
        .isEqualTo(Failure.TOKEN_REJECTED);
  }
}
