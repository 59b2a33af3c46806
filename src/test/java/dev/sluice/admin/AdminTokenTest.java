package dev.sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.GatewayState;
import dev.sluice.bus.InFlight;
import dev.sluice.config.AdminConfig;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Ports;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin credential on a real admin listener (no PostgreSQL: the dead-letter tools answer 503 once
 * past the token): {@code /health/*} open, {@code /metrics} and {@code /admin/dlq...} behind it.
 */
class AdminTokenTest {

  private static final String TOKEN = "first-admin-token-d3b07384";
  private static final String NEXT = "next-admin-token-9a0364b9";

  private final Vertx vertx = Vertx.vertx();
  private final Http http = new Http(Duration.ofSeconds(10), null); // sends only the headers a test gives
  private final int port = Ports.free();

  @AfterEach
  void close() throws Exception {
    http.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void start(List<String> tokens, boolean metricsOpen) throws Exception {
    List<String> hashes = tokens.stream().map(GatewayConfig::sha256).toList();
    vertx.deployVerticle(new AdminVerticle(new AdminConfig("127.0.0.1", port, null, hashes, metricsOpen),
        new GatewayState(), new InFlight(10, 1000), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null,
        DlqFixture.config())).await(10, TimeUnit.SECONDS);
  }

  private Http.Reply get(String path, String... headers) throws Exception {
    return http.get(URI.create("http://127.0.0.1:" + port + path), headers);
  }

  @Test
  void metricsAndDeadLettersNeedTheTokenHealthDoesNot() throws Exception {
    start(List.of(TOKEN, NEXT), false);
    assertThat(get("/health/live").status()).isEqualTo(200);
    for (String path : List.of("/metrics", "/admin/dlq", "/admin/dlq/s1", "/admin/dlq/s1/e1")) {
      Http.Reply none = get(path);
      assertThat(none.status()).as(path).isEqualTo(401);
      assertThat(none.json().getString("code")).isEqualTo("SLC-1401");
      assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"sluice-admin\"");
      Http.Reply wrong = get(path, "Authorization", "Bearer wrong-token-5e9c1f");
      assertThat(wrong.status()).as(path).isEqualTo(401);
      assertThat(wrong.json().getString("code")).isEqualTo("SLC-1402");
      assertThat(wrong.header("WWW-Authenticate")).startsWith("Bearer realm=\"sluice-admin\"")
          .contains("error=\"invalid_token\"");
      assertThat(wrong.text() + wrong.headers()).doesNotContain("wrong-token-5e9c1f");
      assertThat(get(path, "Authorization", "Basic " + TOKEN).status()).isEqualTo(401);
    }
    assertThat(get("/metrics", "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
    assertThat(get("/metrics", "Authorization", "bearer " + NEXT).status()).as("the second token").isEqualTo(200);
    Http.Reply dlq = get("/admin/dlq/s1", "Authorization", "Bearer " + TOKEN);
    assertThat(dlq.status()).as("%s", dlq).isEqualTo(503); // past the token: no PostgreSQL here
    assertThat(http.method("DELETE", URI.create("http://127.0.0.1:" + port + "/admin/dlq/s1?all=true")).status())
        .isEqualTo(401);
  }

  @Test
  void metricsMayBeOpenTheDeadLetterToolsNever() throws Exception {
    start(List.of(TOKEN), true);
    assertThat(get("/metrics").status()).isEqualTo(200);
    assertThat(get("/admin/dlq").status()).isEqualTo(401);
  }

  @Test
  void withoutAConfiguredTokenTheDeadLetterToolsAnswer403SayingHowToSetOne() throws Exception {
    start(List.of(), false);
    for (String path : List.of("/admin/dlq", "/admin/dlq/s1", "/metrics")) {
      Http.Reply r = get(path, "Authorization", "Bearer " + TOKEN);
      assertThat(r.status()).as(path).isEqualTo(403);
      assertThat(r.json().getString("code")).isEqualTo("SLC-1408");
      assertThat(r.json().getString("message")).contains("admin.token-sha256");
    }
    assertThat(get("/health/ready").status()).isIn(200, 503);
  }
}
