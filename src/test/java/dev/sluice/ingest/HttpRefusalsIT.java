package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ingest.RawHttp.Exchange;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the HTTP stack refuses before a request reaches a route (an unknown HTTP version, a path or
 * headers over the limit, a request it cannot parse) is answered on both listeners with the project's
 * JSON error body, its SLC code and {@code Connection: close}, the connection is then closed, and the
 * refusal is counted.
 */
class HttpRefusalsIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static Http http;
  private static TestGateway gateway;
  private static GatewayConfig config;

  @BeforeAll
  static void startGateway() throws Exception {
    http = new Http();
    config = GatewayConfig.forKafka(KAFKA.bootstrap()).route("refusals.#", KAFKA.uniqueTopic("refusals"));
    gateway = TestGateway.startReady(config, http);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @Test
  void answersAnUnknownHttpVersionWith505AndClosesTheConnection() throws Exception {
    String request = "POST /v1/events HTTP/9.9\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: 2\r\n\r\n{}";
    assertRefused(config.httpPort(), request, 505, "SLC-1505", "http_version_not_supported", "http");
    assertRefused(config.adminPort(), "GET /health/live HTTP/2.0\r\nHost: x\r\n\r\n", 505, "SLC-1505",
        "http_version_not_supported", "admin");
  }

  @Test
  void answersAPathOverTheLimitWith414AndClosesTheConnection() throws Exception {
    String request = "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    assertRefused(config.httpPort(), request, 414, "SLC-1414", "uri_too_long", "http");
    assertRefused(config.adminPort(), request, 414, "SLC-1414", "uri_too_long", "admin");
  }

  @Test
  void answersHeadersOverTheLimitWith431AndClosesTheConnection() throws Exception {
    String request = "POST /v1/events HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(10_000)
        + "\r\nContent-Length: 0\r\n\r\n";
    assertRefused(config.httpPort(), request, 431, "SLC-1431", "headers_too_large", "http");
    assertRefused(config.adminPort(), request, 431, "SLC-1431", "headers_too_large", "admin");
  }

  @Test
  void answersARequestTheStackCannotParseWith400AndClosesTheConnection() throws Exception {
    String request = "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n";
    assertRefused(config.httpPort(), request, 400, "SLC-1400", "bad_http_request", "http");
    assertRefused(config.adminPort(), request, 400, "SLC-1400", "bad_http_request", "admin");
  }

  /** Found by FuzzIT: vertx-web's own 400 had no SLC code, and the router logged it as an ERROR. */
  @Test
  void answersAnHttp11RequestWithoutHostWith400AndItsCode() throws Exception {
    String request = "POST /v1/events HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\n{}";
    for (int port : new int[] {config.httpPort(), config.adminPort()}) {
      Exchange x = RawHttp.exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), 10_000);
      assertThat(x.reply().status()).as("%s", x.reply()).isEqualTo(400);
      assertThat(new JsonObject(x.reply().text()).getString("code")).isEqualTo("SLC-1400");
    }
  }

  private static void assertRefused(int port, String request, int status, String code, String reason,
      String listener) throws Exception {
    String meter = listener.equals("http") ? "sluice_ingest_rejections_total" : "sluice_admin_rejections_total";
    Map<String, String> labels = listener.equals("http")
        ? Map.of("reason", reason, "protocol", "http") : Map.of("reason", reason);
    double before = metrics().sum(meter, labels);

    Exchange x = RawHttp.exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), 10_000);

    assertThat(x.reply().status()).as("%s: %s", listener, x.reply()).isEqualTo(status);
    // HTTP/1.0 for what Netty could not read as a request (a line over the limit), else HTTP/1.1
    assertThat(x.statusLine()).as("an answer the client can read").matches("HTTP/1\\.[01] " + status + " .*");
    assertThat(x.reply().header("content-type")).as("%s", x.reply()).startsWith("application/json");
    assertThat(x.reply().header("connection")).as("%s", x.reply()).isEqualToIgnoringCase("close");
    JsonObject body = new JsonObject(x.reply().text());
    assertThat(body.getString("code")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
    assertThat(x.closed()).as("connection closed after %s", x.reply()).isTrue();
    assertThat(metrics().sum(meter, labels) - before).as("%s counted", reason).isEqualTo(1);
  }

  private static Metrics metrics() throws Exception {
    return Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
  }
}
