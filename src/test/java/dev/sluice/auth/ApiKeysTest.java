package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** API keys: their form, their hash, and the {@code keys} command. */
class ApiKeysTest {

  @Test
  void aNewKeyHasItsFormAndMatchesItsStoredHashOnly() {
    ApiKeys.NewKey k = ApiKeys.generate(new SecureRandom());
    assertThat(k.key()).matches("sk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
    assertThat(ApiKeys.idOf(k.key())).isEqualTo(k.id());
    assertThat(k.sha256()).matches("[0-9a-f]{64}");
    byte[] stored = HexFormat.of().parseHex(k.sha256());
    assertThat(ApiKeys.matches(k.key(), stored)).isTrue();
    String other = k.key().substring(0, k.key().length() - 1) + (k.key().endsWith("A") ? "B" : "A");
    assertThat(ApiKeys.matches(other, stored)).isFalse();
  }

  @Test
  void malformedKeysHaveNoId() {
    String good = "sk_0123456789ab_" + "a".repeat(43);
    assertThat(ApiKeys.idOf(good)).isEqualTo("0123456789ab");
    for (String bad : List.of("", "sk_", good + "a", good.substring(1), "sk_0123456789AB_" + "a".repeat(43),
        "sk_0123456789ab-" + "a".repeat(43), "sk_0123456789ab_" + "a".repeat(42) + "=", "pk_0123456789ab_" + "a".repeat(43))) {
      assertThat(ApiKeys.idOf(bad)).as(bad).isNull();
    }
  }

  @Test
  void keysNewPrintsTheKeyOnItsOwnLineAndTheEntryWithItsHash() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = KeysCli.run(new String[] {"new", "--client", "checkout"}, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertThat(code).isZero();
    String text = out.toString(StandardCharsets.UTF_8);
    String key = text.lines().filter(l -> l.startsWith("api key: ")).findFirst().orElseThrow().substring(9);
    assertThat(text).contains("- client: checkout")
        .contains("- { id: " + ApiKeys.idOf(key) + ", sha256: \"" + ApiKeys.sha256Hex(key) + "\" }");
  }

  @Test
  void keysHashPrintsTheEntryOfAKeyFromStandardInputAndRefusesAnythingElse() {
    String key = ApiKeys.generate(new SecureRandom()).key();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(KeysCli.run(new String[] {"hash"}, new ByteArrayInputStream((key + "\n").getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(ApiKeys.sha256Hex(key)).doesNotContain(key);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(KeysCli.run(new String[] {"hash"}, new ByteArrayInputStream("nope".getBytes(StandardCharsets.UTF_8)),
        System.out, new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
    assertThat(KeysCli.run(new String[] {"rotate"}, System.in, System.out, new PrintStream(err, true, StandardCharsets.UTF_8)))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: sluice keys new");
  }
}
