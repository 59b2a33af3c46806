package dev.sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a dead letter's bytes are shown: JSON as JSON, text as text, anything else as base64. */
class DlqJsonTest {

  private static StoredDeadLetter with(byte[] key, byte[] value) {
    Instant t = Instant.parse("2026-11-29T08:00:00Z");
    DeadLetter l = new DeadLetter("s", "e", null, DeadLetter.Origin.rabbitmq("jobs"), 2, t, t, "timeout", null, null,
        null);
    return new StoredDeadLetter(l, key, value, List.of(new StoredDeadLetter.Header("h", new byte[] {(byte) 0xc3})),
        "rabbitmq:s.dlq", t);
  }

  @Test
  void jsonValuesStayJsonOthersAreTextOrBase64() {
    JsonObject obj = DlqJson.whole(with(null, " {\"a\":[1,2]}".getBytes(StandardCharsets.UTF_8)));
    assertThat(obj.getJsonObject("value")).isEqualTo(new JsonObject().put("a", new JsonArray().add(1).add(2)));
    assertThat(obj.containsKey("valueEncoding")).isFalse();
    assertThat(obj.getValue("key")).isNull();
    assertThat(DlqJson.whole(with(null, "[1]".getBytes(StandardCharsets.UTF_8))).getJsonArray("value"))
        .isEqualTo(new JsonArray().add(1));

    JsonObject text = DlqJson.whole(with("k".getBytes(StandardCharsets.UTF_8), "42".getBytes(StandardCharsets.UTF_8)));
    assertThat(text.getValue("value")).isEqualTo("42");
    assertThat(text.getString("key")).isEqualTo("k");
    JsonObject broken = DlqJson.whole(with(null, "{not json".getBytes(StandardCharsets.UTF_8)));
    assertThat(broken.getValue("value")).isEqualTo("{not json");

    JsonObject binary = DlqJson.whole(with(null, new byte[] {0, (byte) 0xff}));
    assertThat(binary.getString("value")).isEqualTo("AP8=");
    assertThat(binary.getString("valueEncoding")).isEqualTo("base64");
    assertThat(binary.getJsonArray("headers").getJsonObject(0))
        .isEqualTo(new JsonObject().put("name", "h").put("value", "ww==").put("valueEncoding", "base64"));
    assertThat(binary.getString("source")).isEqualTo("rabbitmq");
    assertThat(binary.getString("queue")).isEqualTo("jobs");
    assertThat(binary.getValue("partition")).isNull();
  }
}
