package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.bus.Event;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/** What every read must hold, whatever the bytes: shared by the readers' property tests. */
final class ReaderProperties {

  private static final JsonFactory JSON = new JsonFactory();

  private ReaderProperties() {}

  /**
   * A failure of the whole body is a client error with a message and no events; otherwise every event
   * is counted once, as accepted or rejected, accepted events are one JSON object each, and rejections
   * are client errors naming at least one violation.
   */
  static void wellFormed(ReadResult r) {
    if (r.failure() != null) {
      assertThat(r.failure().isClientError()).as("%s %s", r.failure(), r.message()).isTrue();
      assertThat(r.message()).isNotBlank();
      assertThat(r.events()).isEmpty();
      assertThat(r.rejections()).isEmpty();
      return;
    }
    assertThat(r.events().size() + r.rejections().size()).isEqualTo(r.total());
    Set<Integer> indexes = new HashSet<>();
    for (Event e : r.events()) {
      assertThat(indexes.add(e.index())).as("index %d once", e.index()).isTrue();
      assertThat(e.eventId()).isNotBlank();
      assertThat(e.eventType()).isNotBlank();
      assertThat(oneJsonObject(e.value())).as("value is one JSON object: %s", new String(e.value(),
          java.nio.charset.StandardCharsets.UTF_8)).isTrue();
    }
    for (Rejection x : r.rejections()) {
      assertThat(indexes.add(x.index())).as("index %d once", x.index()).isTrue();
      assertThat(x.failure().isClientError()).isTrue();
      assertThat(x.violations()).isNotEmpty();
      assertThat(x.message()).isNotBlank();
    }
    assertThat(indexes).allMatch(i -> i >= 0 && i < r.total());
  }

  /**
   * Random bytes, 0 to 600 of them; one try in four is at most 8 bytes long (short inputs are where
   * readers meet an empty or truncated body).
   */
  static byte[] bytes(java.util.Random r) {
    return dev.sluice.testsupport.Malformed.randomBytes(r, r.nextInt(4) == 0 ? r.nextInt(9) : r.nextInt(601));
  }

  /** Whether {@code value} occurs in {@code body} byte for byte (the event kept the client's bytes). */
  static boolean sliceOf(byte[] body, byte[] value) {
    outer:
    for (int i = 0; i + value.length <= body.length; i++) {
      for (int j = 0; j < value.length; j++) {
        if (body[i + j] != value[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean oneJsonObject(byte[] value) {
    try (JsonParser p = JSON.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
