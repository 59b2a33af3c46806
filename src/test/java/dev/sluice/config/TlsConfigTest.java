package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testsupport.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code http.tls.*}, {@code admin.tls.*}, {@code admin.token-sha256}: read and checked at start. */
class TlsConfigTest {

  @TempDir static Path pkiDir;
  static TestPki pki;
  @TempDir Path dir;

  @BeforeAll
  static void makePki() {
    pki = TestPki.create(pkiDir);
  }

  private SluiceConfig load(String yaml) throws IOException {
    Files.writeString(dir.resolve("routes.yaml"), "routes:\n  - match: \"#\"\n    topic: t\n");
    Path f = dir.resolve("sluice.yaml");
    Files.writeString(f, yaml);
    return ConfigLoader.load(f, Map.of());
  }

  private static String tls(String section, String cert, String key, String ca, String auth) {
    return section + ":\n  tls:\n    enabled: true\n    cert-file: \"" + cert + "\"\n    key-file: \"" + key
        + "\"\n    client-ca-file: \"" + ca + "\"\n    client-auth: " + auth + "\n";
  }

  @Test
  void readsTheFilesOfBothListenersAndNeverPrintsTheirContents() throws IOException {
    SluiceConfig c = load(tls("http", pki.serverCert().toString(), pki.serverKey().toString(),
        pki.caCert().toString(), "required") + tls("admin", pki.serverCert().toString(), pki.serverKey().toString(),
        "", "none"));
    assertThat(c.http().tls().enabled()).isTrue();
    assertThat(c.http().tls().clientAuth()).isEqualTo(TlsConfig.ClientAuth.REQUIRED);
    assertThat(c.http().tls().keyPem()).isEqualTo(Files.readString(pki.serverKey()));
    assertThat(c.admin().tls().enabled()).isTrue();
    String keyBody = Files.readString(pki.serverKey()).lines().filter(l -> !l.startsWith("-----")).findFirst()
        .orElseThrow();
    assertThat(ConfigLoader.describe(c)).contains(pki.serverKey().toString()).doesNotContain(keyBody)
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void relativeFileNamesLieBesideTheConfigFile() throws IOException {
    Files.copy(pki.serverCert(), dir.resolve("s.pem"));
    Files.copy(pki.serverKey(), dir.resolve("s-key.pem"));
    assertThat(load(tls("http", "s.pem", "s-key.pem", "", "none")).http().tls().certFile()).isEqualTo("s.pem");
  }

  @Test
  void tlsIsOffByDefault() {
    SluiceConfig c = ConfigLoader.load((Path) null, Map.of());
    assertThat(c.http().tls().enabled()).isFalse();
    assertThat(c.admin().tls().enabled()).isFalse();
    assertThat(c.admin().tokenSha256()).isEmpty();
    assertThat(c.admin().metricsOpen()).isFalse();
  }

  @Test
  void aMissingFileStopsStartUpNamingItsKey() {
    assertThatThrownBy(() -> load(tls("http", dir.resolve("nope.pem").toString(), pki.serverKey().toString(), "",
        "none"))).isInstanceOf(ConfigException.class).hasMessageStartingWith("http.tls.cert-file: cannot read");
    assertThatThrownBy(() -> load(tls("admin", pki.serverCert().toString(), "", "", "none")))
        .hasMessageStartingWith("admin.tls.key-file: is required");
  }

  @Test
  void anInvalidKeyIsRefusedWithoutShowingIt() throws IOException {
    Path notAKey = dir.resolve("bad-key.pem");
    Files.writeString(notAKey, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> load(tls("http", pki.serverCert().toString(), notAKey.toString(), "", "none")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("http.tls.key-file: is not an unencrypted PEM")
        .message().doesNotContain("c2VjcmV0");
    assertThatThrownBy(() -> load(tls("http", pki.serverKey().toString(), pki.serverKey().toString(), "", "none")))
        .hasMessageStartingWith("http.tls.cert-file: ").message().doesNotContain("MI");
  }

  @Test
  void clientAuthNeedsACaAndOneOfThreeValues() {
    assertThatThrownBy(() -> load(tls("http", pki.serverCert().toString(), pki.serverKey().toString(), "",
        "required"))).hasMessageStartingWith("http.tls.client-ca-file: is required when http.tls.client-auth is required");
    assertThatThrownBy(() -> load(tls("http", pki.serverCert().toString(), pki.serverKey().toString(), "",
        "maybe"))).hasMessageStartingWith("http.tls.client-auth: must be none, request or required");
  }

  @Test
  void adminTokensAreAtMostTwoHexHashes() throws IOException {
    String a = "a".repeat(64);
    String b = "0123456789abcdef".repeat(4);
    assertThat(load("admin:\n  token-sha256: [" + a + ", " + b + "]\n").admin().tokenSha256()).containsExactly(a, b);
    assertThat(ConfigLoader.load((Path) null, Map.of("SLUICE_ADMIN_TOKEN_SHA256", a)).admin().tokenSha256())
        .isEqualTo(List.of(a));
    assertThatThrownBy(() -> load("admin:\n  token-sha256: [" + a + ", " + b + ", " + a + "]\n"))
        .hasMessageStartingWith("admin.token-sha256: takes at most two");
    assertThatThrownBy(() -> load("admin:\n  token-sha256: [my-plain-token]\n"))
        .hasMessageStartingWith("admin.token-sha256: must hold lowercase hex").message().doesNotContain("my-plain-token");
    assertThat(load("admin:\n  token-sha256: [" + a + "]\n").admin().toString()).doesNotContain(a);
  }
}
