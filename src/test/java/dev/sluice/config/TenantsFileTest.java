package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.auth.Quota;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.Tenants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tenants file ({@code auth.tenants-file}): where it is found and the rules of its entries. */
class TenantsFileTest {

  private static final String SHA_A = "a".repeat(64);
  private static final String SHA_B = "b".repeat(64);

  @TempDir Path dir;

  private SluiceConfig config(String authYaml) throws IOException {
    return ConfigLoader.load(Files.writeString(dir.resolve("sluice.yaml"),
        "routing:\n  file: classpath:routes.yaml\nauth:\n" + authYaml), Map.of());
  }

  private Tenants load(String tenantsYaml) throws IOException {
    Files.writeString(dir.resolve("tenants.yaml"), tenantsYaml);
    return TenantsFile.load(config("  mode: required\n").auth());
  }

  @Test
  void readsTenantsBesideTheConfigWithKeysQuotasAndCertificates() throws IOException {
    Tenants t = load("""
        tenants:
          - name: team-a
            event-types: ["order.#"]
            topics: [orders]
            quota: { events-per-second: 100, bytes-per-second: 0 }
            api-keys:
              - client: checkout
                keys:
                  - { id: 0123456789ab, sha256: "%s" }
                  - { id: 0123456789ac, sha256: "%s" }
            certificates: ["CN=checkout, O=team-a"]
          - name: team-b
            event-types: "#"
        """.formatted(SHA_A, SHA_B));
    Tenant a = t.tenant("team-a");
    assertThat(a).isEqualTo(new Tenant("team-a", List.of("order.#"), List.of("orders"), new Quota(100, 0, 1.0)));
    assertThat(t.tenant("team-b").eventTypes()).containsExactly("#");
    assertThat(t.tenant("team-b").topics()).isEmpty();
    assertThat(t.tenant("team-b").quota()).isNull();
    assertThat(t.key("0123456789ac").tenant()).isEqualTo(a);
    assertThat(t.key("0123456789ac").client()).isEqualTo("checkout");
    assertThat(t.key("0123456789ac").sha256()).isEqualTo(HexFormat.of().parseHex(SHA_B));
    assertThat(t.certificate("CN=checkout,O=team-a")).as("the subject as Java prints it").isEqualTo(a);
  }

  @Test
  void aMissingFileAtRequiredSaysHowToMakeOneOrTurnAuthOff() throws IOException {
    SluiceConfig c = config("  mode: required\n");
    assertThatThrownBy(() -> TenantsFile.load(c.auth()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("auth.tenants-file"))
        .hasMessageContaining(dir.resolve("tenants.yaml").toString())
        .hasMessageContaining("keys new")
        .hasMessageContaining("auth.mode: none");
    assertThatThrownBy(() -> TenantsFile.load(ConfigLoader.load((Path) null, Map.of()).auth()))
        .hasMessageContaining("classpath:tenants.yaml is not bundled");
    assertThat(TenantsFile.load(ConfigLoader.load((Path) null,
        Map.of("SLUICE_AUTH_TENANTS_FILE", "classpath:tenants.example.yaml")).auth()).all())
        .extracting(Tenant::name).containsExactly("team-a", "analytics");
  }

  @Test
  void refusesWhatBreaksARule() {
    String key = "      - client: c\n        keys:\n          - { id: %s, sha256: \"%s\" }\n";
    Map<String, String> cases = Map.ofEntries(
        Map.entry("tenants: []\n", "non-empty 'tenants'"),
        Map.entry("tenants:\n  - name: Team\n    event-types: [a]\n", "tenants[Team].name"),
        Map.entry("tenants:\n  - name: anonymous\n    event-types: [a]\n", "auth.mode: none"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n  - name: a\n    event-types: [y]\n", "two tenants"),
        Map.entry("tenants:\n  - name: a\n", "tenants[a].event-types: is required"),
        Map.entry("tenants:\n  - name: a\n    event-types: [order*]\n", "whole segment"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    colour: red\n", "tenants[a].colour"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    topics: [\"a b\"]\n", "Kafka topic"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    quota: { events-per-second: -1 }\n", "tenants[a].quota"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    quota: { burst-seconds: 0 }\n", "burst-seconds"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    api-keys:\n" + key.formatted("0123456789AB", SHA_A), "keys[0].id"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    api-keys:\n" + key.formatted("0123456789ab", SHA_A.toUpperCase()), "keys[0].sha256"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    api-keys:\n      - client: c\n        keys:\n"
            + "          - { id: 000000000001, sha256: \"" + SHA_A + "\" }\n"
            + "          - { id: 000000000002, sha256: \"" + SHA_A + "\" }\n"
            + "          - { id: 000000000003, sha256: \"" + SHA_A + "\" }\n", "one or two keys"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    api-keys:\n" + key.formatted("0123456789ab", SHA_A)
            + "  - name: b\n    event-types: [x]\n    api-keys:\n" + key.formatted("0123456789ab", SHA_B), "id of another key"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    certificates: [\"CN=x\"]\n"
            + "  - name: b\n    event-types: [x]\n    certificates: [\"CN=x\"]\n", "also listed by tenant a"),
        Map.entry("tenants:\n  - name: a\n    event-types: [x]\n    certificates: [\"not a dn\"]\n", "distinguished name"));
    cases.forEach((yaml, message) ->
        assertThatThrownBy(() -> load(yaml)).as(yaml).isInstanceOf(ConfigException.class).hasMessageContaining(message));
  }

  @Test
  void jwtKeysAreValidatedAndResolvedBesideTheConfig() throws IOException {
    AuthConfig.Jwt jwt = config("  jwt:\n    public-keys: [keys/idp.pem]\n    jwks-url: https://idp.example/jwks\n"
        + "    audience: sluice\n").auth().jwt();
    assertThat(jwt.publicKeys()).containsExactly(dir.resolve("keys/idp.pem"));
    assertThat(jwt.jwksUrl().toString()).isEqualTo("https://idp.example/jwks");
    assertThat(jwt.audience()).isEqualTo("sluice");
    assertThat(jwt.leewaySeconds()).isEqualTo(30);
    assertThat(jwt.tenantClaim()).isEqualTo("tenant");
    assertThatThrownBy(() -> config("  jwt:\n    jwks-url: ftp://x/jwks\n")).hasMessageContaining("auth.jwt.jwks-url");
    assertThatThrownBy(() -> config("  jwt:\n    jwks-url: http://idp.example/jwks\n"))
        .hasMessageContaining("auth.jwt.jwks-url").hasMessageContaining("https");
    assertThat(config("  jwt:\n    jwks-url: http://127.0.0.1:8081/jwks\n").auth().jwt().jwksUrl()).isNotNull();
    assertThatThrownBy(() -> config("  jwt:\n    leeway-seconds: -1\n")).hasMessageContaining("auth.jwt.leeway-seconds");
    assertThatThrownBy(() -> config("  jwt:\n    tenant-claim: \"\"\n")).hasMessageContaining("auth.jwt.tenant-claim");
  }
}
