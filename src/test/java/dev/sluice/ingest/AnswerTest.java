package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Violation;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerTest {

  private static Event event(int index) {
    return new Event(index, "id-" + index, "a.b", "1", null, "c", new byte[0]);
  }

  private static Rejection rejection(int index) {
    return new Rejection(index, null, Failure.INVALID_ENVELOPE, List.of(new Violation("/" + index + "/source", "is required")));
  }

  @Test
  void batchIs202WhenAllAccepted() {
    Answer a = Answer.batch(2, List.of(), List.of(event(0), event(1)),
        new Outcome[] {Outcome.accepted("t", 0, 5), Outcome.accepted("t", 1, 6)}, "r");
    assertThat(a.status()).isEqualTo(202);
    JsonObject body = new JsonObject(a.body());
    assertThat(body.getInteger("accepted")).isEqualTo(2);
    assertThat(body.getJsonArray("results").getJsonObject(1).getLong("offset")).isEqualTo(6);
  }

  @Test
  void batchIs207AndInRequestOrderWhenSomeWereNotAccepted() {
    Answer a = Answer.batch(3, List.of(rejection(1)), List.of(event(0), event(2)),
        new Outcome[] {Outcome.accepted("t", 0, 5), Outcome.failed(Failure.KAFKA_UNAVAILABLE, "down")}, "r");
    assertThat(a.status()).isEqualTo(207);
    JsonObject body = new JsonObject(a.body());
    assertThat(body.getJsonArray("results").stream().map(o -> ((JsonObject) o).getString("status")))
        .containsExactly("accepted", "rejected", "failed");
    assertThat(body.getJsonArray("results").getJsonObject(1).getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/1/source");
    assertThat(body.getJsonArray("results").getJsonObject(2).getBoolean("retryable")).isTrue();
    assertThat(body.getInteger("rejected")).isEqualTo(1);
    assertThat(body.getInteger("failed")).isEqualTo(1);
  }

  @Test
  void batchTakesTheClientErrorStatusWhenNoneWasAccepted() {
    Answer a = Answer.batch(2, List.of(rejection(0)), List.of(event(1)),
        new Outcome[] {Outcome.failed(Failure.UNKNOWN_EVENT_TYPE, "no route")}, "r");
    assertThat(a.status()).isEqualTo(422);
    assertThat(new JsonObject(a.body()).getJsonArray("results").getJsonObject(1).getJsonArray("errors")
        .getJsonObject(0).getString("pointer")).isEqualTo("/1/eventType");
  }

  @Test
  void batchTakesTheBrokerFailureStatusWhenAnyEventCouldSucceedLater() {
    Answer a = Answer.batch(2, List.of(rejection(0)), List.of(event(1)),
        new Outcome[] {Outcome.failed(Failure.KAFKA_UNAVAILABLE, "down")}, "r");
    assertThat(a.status()).isEqualTo(503);
    assertThat(a.failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
  }

  @Test
  void singleRejectionNamesTheFirstPointerAndListsAll() {
    Rejection r = new Rejection(0, null, Failure.INVALID_ENVELOPE,
        List.of(new Violation("/eventId", "is required"), new Violation("/data", "is required")));
    JsonObject body = new JsonObject(Answer.single(r, null, null, "req-1").body());
    assertThat(body.getString("code")).isEqualTo("SLC-1005");
    assertThat(body.getString("pointer")).isEqualTo("/eventId");
    assertThat(body.getString("requestId")).isEqualTo("req-1");
    assertThat(body.getJsonArray("errors")).hasSize(2);
  }

  @Test
  void errorBodiesEscapeWhatTheClientSent() {
    Answer a = Answer.error(Failure.MALFORMED_JSON, "bad \"quote\" \\ \n\u0001", "r");
    assertThat(new JsonObject(a.body()).getString("message")).isEqualTo("bad \"quote\" \\ \n\u0001");
    assertThat(a.status()).isEqualTo(400);
  }
}
