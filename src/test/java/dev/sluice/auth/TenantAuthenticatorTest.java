package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Failure;
import dev.sluice.config.AuthConfig;
import dev.sluice.testsupport.Jwts;
import dev.sluice.testsupport.SelfSignedCert;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a credential is read from, what each refusal says, and what is counted; client-certificate subjects. */
class TenantAuthenticatorTest {

  private static final Tenant TEAM_A = new Tenant("team-a", List.of("order.#"), List.of(), null);
  private static final ApiKeys.NewKey KEY = ApiKeys.generate(new SecureRandom());
  private static final KeyPair RSA = Jwts.rsa();

  @TempDir static Path dir;
  private static Vertx vertx;
  private static SimpleMeterRegistry registry;
  private static TenantAuthenticator auth;
  private static Tenants tenants;

  @BeforeAll
  static void create() throws Exception {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    Path pem = Files.writeString(dir.resolve("idp-1.pem"), Jwts.pem(RSA.getPublic()));
    tenants = new Tenants(List.of(TEAM_A),
        List.of(new Tenants.Key(KEY.id(), HexFormat.of().parseHex(KEY.sha256()), "checkout", TEAM_A)),
        Map.of("CN=localhost", TEAM_A));
    auth = new TenantAuthenticator(vertx, new AuthConfig(AuthConfig.Mode.REQUIRED, "unused",
        new AuthConfig.Jwt("", "sluice", 30, List.of(pem), null, 1000, "tenant")), tenants, registry);
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static Future<Caller> ask(String... headers) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) {
      m.add(headers[i], headers[i + 1]);
    }
    return auth.authenticate(m, null);
  }

  private static AuthException refusal(Future<Caller> f) {
    assertThat(f.failed()).as("refused at once").isTrue();
    return (AuthException) f.cause();
  }

  private static double failures(Failure f) {
    return registry.get("sluice.auth.failures").tag("code", f.id()).counter().count();
  }

  @Test
  void anApiKeyIsTakenFromTheBearerHeaderOrXApiKey() {
    Caller expected = new Caller(TEAM_A, KEY.id(), Caller.Method.API_KEY);
    assertThat(ask("Authorization", "Bearer " + KEY.key()).result()).isEqualTo(expected);
    assertThat(ask("X-API-Key", KEY.key()).result()).isEqualTo(expected);
    assertThat(ask("authorization", "bearer " + KEY.key()).result()).isEqualTo(expected);
    assertThat(registry.get("sluice.auth.successes").tag("method", "api_key").counter().count()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void anUnknownIdAndAWrongSecretGetTheSameAnswerThatNamesNoSecret() {
    String wrongSecret = KEY.key().substring(0, KEY.key().length() - 2) + (KEY.key().endsWith("AA") ? "BB" : "AA");
    String unknownId = "sk_" + (KEY.id().startsWith("0") ? "1" : "0") + KEY.key().substring(4);
    double before = failures(Failure.CREDENTIAL_INVALID);
    AuthException wrong = refusal(ask("X-API-Key", wrongSecret));
    AuthException unknown = refusal(ask("Authorization", "Bearer " + unknownId));
    assertThat(wrong.failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(unknown.failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(wrong.getMessage()).isEqualTo(unknown.getMessage()).doesNotContain(KEY.key().substring(16, 24));
    assertThat(wrong.wwwAuthenticate()).isEqualTo(unknown.wwwAuthenticate())
        .startsWith("Bearer realm=\"sluice\", error=\"invalid_token\"");
    assertThat(refusal(ask("X-API-Key", "sk_short")).failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(refusal(ask("Authorization", "Basic dXNlcjpwdw==")).failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(failures(Failure.CREDENTIAL_INVALID) - before).isEqualTo(4);
  }

  @Test
  void nothingAtAllIs1401WithTheRealmOnly() {
    AuthException e = refusal(ask());
    assertThat(e.failure()).isEqualTo(Failure.UNAUTHENTICATED);
    assertThat(e.wwwAuthenticate()).isEqualTo("Bearer realm=\"sluice\"");
  }

  @Test
  void aJwtSignedByAPemKeyIsAcceptedAndRememberedUntilItExpires() {
    String token = Jwts.sign("RS256", "idp-1", RSA.getPrivate(), Jwts.claims("svc", "team-a", 300, null, "sluice"));
    Future<Caller> first = ask("Authorization", "Bearer " + token);
    assertThat(first.result()).isEqualTo(new Caller(TEAM_A, "svc", Caller.Method.JWT));
    assertThat(ask("Authorization", "Bearer " + token)).as("the second use is a lookup").isSameAs(first);
    String otherKid = Jwts.sign("RS256", "idp-2", RSA.getPrivate(), Jwts.claims("svc", "team-a", 300, null, "sluice"));
    AuthException unknown = refusal(ask("Authorization", "Bearer " + otherKid));
    assertThat(unknown.failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(unknown.getMessage()).contains("idp-2");
  }

  @Test
  void aCertificateSubjectMapsToItsTenantAndAnUnmappedOneIs1402() throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(Files.createTempDirectory(dir, "cert"));
    Certificate c;
    try (InputStream in = Files.newInputStream(cert.certPem())) {
      c = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String subject = ClientCertificates.subject(List.of(c));
    assertThat(subject).isEqualTo("CN=localhost");
    assertThat(ClientCertificates.caller(tenants, subject))
        .isEqualTo(new Caller(TEAM_A, "CN=localhost", Caller.Method.CERTIFICATE));
    Tenants none = new Tenants(List.of(TEAM_A), List.of(), Map.of());
    AuthException unmapped = org.assertj.core.api.Assertions.catchThrowableOfType(AuthException.class,
        () -> ClientCertificates.caller(none, subject));
    assertThat(unmapped.failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
    assertThat(ClientCertificates.subject(List.of())).isNull();
    assertThat(ClientCertificates.subject((io.vertx.core.http.HttpConnection) null)).isNull();
  }
}
