package dev.sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.testsupport.ApiContract;
import dev.sluice.testsupport.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter tools' answers, with their index in the real PostgreSQL, held against the OpenAPI
 * document (see {@link ApiContract}); the answers without PostgreSQL are in {@code OpenApiIT}.
 */
class DlqApiContractIT {

  private DlqFixture fx;
  private ApiContract contract;
  private final Http http = new Http(Duration.ofSeconds(30));

  @BeforeEach
  void open() {
    fx = new DlqFixture();
    contract = new ApiContract(fx.vertx, -1, fx.port);
  }

  @AfterEach
  void close() {
    http.close();
    fx.close();
  }

  @Test
  void everyAnswerOfTheDeadLetterToolsIsWhatTheDocumentSays() throws Exception {
    fx.put("s1", "a", "order.created", DeadLetter.CLASS_STATUS, 500);
    fx.put("s1", "b", "order.paid", DeadLetter.CLASS_TIMEOUT, null);
    fx.start();
    check("GET", "/admin/dlq", null, 200);
    check("GET", "/admin/dlq/s1", null, 200);
    check("GET", "/admin/dlq/s1?limit=1&eventType=order.%23&failureClass=status", null, 200);
    check("GET", "/admin/dlq/s2", null, 200);
    check("GET", "/admin/dlq/s1?limit=0", null, 400);
    check("GET", "/admin/dlq/s1?colour=red", null, 400);
    check("GET", "/admin/dlq/s1/a", null, 200);
    check("GET", "/admin/dlq/s1/zzz", null, 404);
    check("GET", "/admin/dlq/s9/a", null, 404);
    check("POST", "/admin/dlq/s1/replay", "{}", 400);
    check("POST", "/admin/dlq/s1/replay", "{\"ids\":[\"a\"],\"wait\":true}", 200);
    String started = check("POST", "/admin/dlq/s1/replay", "{\"filter\":{\"eventType\":\"order.*\"},\"rate\":5}", 202);
    String job = new io.vertx.core.json.JsonObject(started).getString("id");
    check("GET", "/admin/dlq/s1/replays/" + job, null, 200);
    check("GET", "/admin/dlq/s1/replays/nope", null, 404);
    check("DELETE", "/admin/dlq/s1", null, 400);
    check("DELETE", "/admin/dlq/s1", "{\"ids\":[\"a\"]}", 200);
    check("DELETE", "/admin/dlq/s1?all=true", null, 200);
    check("PUT", "/admin/dlq/s1", "{}", 405);
  }

  private String check(String method, String path, String body, int status) throws Exception {
    URI uri = fx.base.resolve(path);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    Http.Reply reply = http.send(b.build());
    assertThat(reply.status()).as(method + " " + path + ": " + reply).isEqualTo(status);
    contract.check(method, uri, reply);
    return reply.text();
  }
}
