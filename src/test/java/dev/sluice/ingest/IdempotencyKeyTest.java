package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IdempotencyKeyTest {

  /** Runs {@code body} on a thread with a small stack, as deep recursion would overflow it; returns what it threw. */
  private static Throwable onSmallStack(ThrowingRunnable body) throws InterruptedException {
    Throwable[] thrown = new Throwable[1];
    Thread t = new Thread(null, () -> {
      try {
        body.run();
      } catch (Throwable e) {
        thrown[0] = e;
      }
    }, "small-stack", 256 * 1024);
    t.start();
    t.join();
    return thrown[0];
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void aLongListOfParametersIsReadWithoutRecursion() throws Exception {
    String value = "\"k\"" + ";a".repeat(3000);
    String[] key = new String[1];
    assertThat(onSmallStack(() -> key[0] = IdempotencyKey.parse(value))).isNull();
    assertThat(key[0]).isEqualTo("k");
    Throwable bad = onSmallStack(() -> IdempotencyKey.parse("\"k\"" + ";a".repeat(3000) + ";B"));
    assertThat(bad).isInstanceOf(IdempotencyKey.Malformed.class);
  }

  @Test
  void readsAnSfStringAndABareKeyAsTheSameKey() throws Exception {
    assertThat(IdempotencyKey.parse("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""))
        .isEqualTo("8e03978e-40d5-43e8-bc93-6894a57f9324");
    assertThat(IdempotencyKey.parse("8e03978e-40d5-43e8-bc93-6894a57f9324"))
        .isEqualTo("8e03978e-40d5-43e8-bc93-6894a57f9324");
    assertThat(IdempotencyKey.parse("  \"a b\"  ")).as("spaces inside an sf-string").isEqualTo("a b");
    assertThat(IdempotencyKey.parse("\"a\\\"b\\\\c\"")).as("escapes").isEqualTo("a\"b\\c");
    assertThat(IdempotencyKey.parse("\"abc\";v=1")).as("parameters are ignored").isEqualTo("abc");
    assertThat(IdempotencyKey.parse("x".repeat(255))).hasSize(255);
    assertThat(IdempotencyKey.parse("\"" + "x".repeat(255) + "\"")).hasSize(255);
  }

  @Test
  void refusesWhatIsNotAKey() {
    for (String bad : new String[] {"", "  ", "\"\"", "\"abc", "\"a\\zb\"", "\"a\tb\"", "a b", "caf\u00e9",
        "\"caf\u00e9\"", "\"abc\", \"def\"", "\"abc\" x", "x".repeat(256), "\"" + "x".repeat(256) + "\"",
        "a\u0001b", null}) {
      assertThatThrownBy(() -> IdempotencyKey.parse(bad)).as("[%s]", bad).isInstanceOf(IdempotencyKey.Malformed.class);
    }
  }

  @Test
  void theFingerprintCoversContentTypeCeHeadersInAnyOrderAndBody() {
    byte[] body = "{\"a\":1}xx".getBytes(StandardCharsets.UTF_8);
    MultiMap h1 = MultiMap.caseInsensitiveMultiMap().add("ce-id", "1").add("CE-Type", "t").add("x-request-id", "r1");
    MultiMap h2 = MultiMap.caseInsensitiveMultiMap().add("ce-type", "t").add("ce-id", "1").add("x-request-id", "r2");
    byte[] f = IdempotencyKey.fingerprint("application/json", h1, body, 7);
    assertThat(f).hasSize(32);
    assertThat(IdempotencyKey.fingerprint("application/json", h2, body, 7))
        .as("ce-* order and other headers do not count").isEqualTo(f);
    assertThat(IdempotencyKey.fingerprint("application/json", h1, body, 8)).as("body").isNotEqualTo(f);
    assertThat(IdempotencyKey.fingerprint("application/x-ndjson", h1, body, 7)).as("content type").isNotEqualTo(f);
    assertThat(IdempotencyKey.fingerprint("application/json", h1.copy().set("ce-id", "2"), body, 7))
        .as("a ce-* value").isNotEqualTo(f);
    assertThat(IdempotencyKey.fingerprint("application/json", MultiMap.caseInsensitiveMultiMap(), body, 7))
        .as("without ce-* headers").isNotEqualTo(f);
  }
}
