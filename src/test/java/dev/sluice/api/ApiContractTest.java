package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testsupport.ApiContract;
import dev.sluice.testsupport.Http;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The checker of {@link OpenApiIT} refuses wrong answers: forged answers that break the document one way
 * each (an undocumented status, a missing member or header, a wrong code, type or content type) fail,
 * and the right ones pass. No gateway: the answers are made here.
 */
class ApiContractTest {

  private static final int INGEST = 18080;
  private static final int ADMIN = 19090;
  private static final String EVENTS = "http://127.0.0.1:" + INGEST + "/v1/events";
  private static final String ID = "0b6c5a38-34a3-4c39-9a8f-1f7c2d0e9a11";
  private static final String ACCEPTED =
      "{\"eventId\":\"" + ID + "\",\"status\":\"accepted\",\"topic\":\"t\",\"partition\":0,\"offset\":7}";

  private static Vertx vertx;
  private static ApiContract contract;

  @BeforeAll
  static void load() {
    vertx = Vertx.vertx();
    contract = new ApiContract(vertx, INGEST, ADMIN);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private static Http.Reply reply(int status, String contentType, String body, String... headers) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    if (contentType != null) {
      map.put("content-type", List.of(contentType));
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      map.put(headers[i], List.of(headers[i + 1]));
    }
    return new Http.Reply(status, HttpHeaders.of(map, (a, b) -> true), body.getBytes(StandardCharsets.UTF_8),
        Duration.ZERO);
  }

  private static void ok(String method, String uri, Http.Reply r) {
    assertThatCode(() -> contract.check(method, URI.create(uri), r)).doesNotThrowAnyException();
  }

  private static void wrong(String method, String uri, Http.Reply r) {
    assertThatThrownBy(() -> contract.check(method, URI.create(uri), r)).isInstanceOf(AssertionError.class);
  }

  @Test
  void aRightAcceptedAnswerPasses() {
    ok("POST", EVENTS, reply(202, "application/json", ACCEPTED, "X-Request-Id", "r", "X-Correlation-Id", "c"));
  }

  @Test
  void anUndocumentedStatusFails() {
    wrong("POST", EVENTS, reply(418, "application/json", "{\"code\":\"SLC-1001\",\"message\":\"m\",\"requestId\":\"r\"}",
        "X-Request-Id", "r", "X-Correlation-Id", "c"));
    wrong("POST", EVENTS, reply(500, "application/json", "{\"code\":\"SLC-1001\",\"message\":\"m\"}"));
  }

  @Test
  void aMissingMemberOrAnExtraOneFails() {
    wrong("POST", EVENTS, reply(202, "application/json", ACCEPTED.replace(",\"offset\":7", ""),
        "X-Request-Id", "r", "X-Correlation-Id", "c"));
    wrong("POST", EVENTS, reply(202, "application/json", ACCEPTED.replace("}", ",\"extra\":1}"),
        "X-Request-Id", "r", "X-Correlation-Id", "c"));
  }

  @Test
  void aMissingRequiredHeaderFails() {
    wrong("POST", EVENTS, reply(202, "application/json", ACCEPTED, "X-Correlation-Id", "c"));
    String overloaded = "{\"code\":\"SLC-5001\",\"message\":\"m\",\"requestId\":\"r\"}";
    ok("POST", EVENTS, reply(503, "application/json", overloaded, "X-Request-Id", "r", "X-Correlation-Id", "c",
        "Retry-After", "1"));
    wrong("POST", EVENTS, reply(503, "application/json", overloaded, "X-Request-Id", "r", "X-Correlation-Id", "c"));
  }

  @Test
  void aCodeOfAnotherStatusOrNotAnSlcCodeFails() {
    wrong("POST", EVENTS, reply(415, "application/json", "{\"code\":\"SLC-1001\",\"message\":\"m\",\"requestId\":\"r\"}",
        "X-Request-Id", "r", "X-Correlation-Id", "c"));
    wrong("GET", "http://127.0.0.1:" + INGEST + "/nope",
        reply(404, "application/json", "{\"code\":\"E404\",\"message\":\"m\",\"requestId\":\"r\"}", "X-Request-Id", "r"));
    ok("GET", "http://127.0.0.1:" + INGEST + "/nope",
        reply(404, "application/json", "{\"code\":\"SLC-1404\",\"message\":\"m\",\"requestId\":\"r\"}", "X-Request-Id", "r"));
  }

  @Test
  void aWrongContentTypeFails() {
    wrong("POST", EVENTS, reply(202, "text/plain", ACCEPTED, "X-Request-Id", "r", "X-Correlation-Id", "c"));
    wrong("GET", "http://127.0.0.1:" + ADMIN + "/metrics", reply(200, "application/json", "{}"));
    ok("GET", "http://127.0.0.1:" + ADMIN + "/metrics", reply(200, "text/plain; version=0.0.4; charset=utf-8", "x 1\n"));
  }

  @Test
  void aDeadLetterWithAMemberTheDocumentDoesNotNameFails() {
    String item = "{\"eventId\":\"a\",\"eventType\":\"order.created\",\"key\":\"k\",\"source\":\"kafka\","
        + "\"topic\":\"orders\",\"partition\":1,\"offset\":7,\"recordTime\":\"2026-11-29T08:00:00.123Z\","
        + "\"queue\":null,\"attempts\":1,\"firstFailure\":\"2026-11-29T08:00:00.123Z\","
        + "\"lastFailure\":\"2026-11-29T08:00:01.123Z\",\"failureClass\":\"status\",\"status\":500,"
        + "\"response\":\"no\",\"traceparent\":null,\"target\":\"kafka:s1.dlq\",\"deadAt\":\"2026-11-29T08:00:02Z\"}";
    String list = "http://127.0.0.1:" + ADMIN + "/admin/dlq/s1";
    ok("GET", list, reply(200, "application/json", "{\"items\":[" + item + "],\"next\":null}"));
    wrong("GET", list, reply(200, "application/json", "{\"items\":[" + item.replace("}", ",\"extra\":1}")
        + "],\"next\":null}"));
    wrong("GET", list + "/a", reply(200, "application/json", item.replace("}", ",\"extra\":1,\"headers\":[],"
        + "\"value\":{}}")));
    ok("GET", list + "/a", reply(200, "application/json", item.replace("}", ",\"headers\":[],\"value\":{}}")));
  }

  @Test
  void aPathOnThePortItIsNotServedOnIsUnlisted() {
    ok("GET", "http://127.0.0.1:" + INGEST + "/health/live",
        reply(404, "application/json", "{\"code\":\"SLC-1404\",\"message\":\"m\",\"requestId\":\"r\"}", "X-Request-Id", "r"));
    wrong("GET", "http://127.0.0.1:" + INGEST + "/health/live", reply(200, "application/json", "{\"status\":\"UP\"}"));
  }
}
