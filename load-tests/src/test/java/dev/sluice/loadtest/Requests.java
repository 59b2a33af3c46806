package dev.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/** The HTTP protocol and the {@code POST /v1/events} request shared by the simulations. */
final class Requests {

  private Requests() {}

  static HttpProtocolBuilder protocol(Params p) {
    return http.baseUrl(p.baseUrl)
        .acceptHeader("application/json")
        .userAgentHeader("sluice-load-tests/gatling")
        .disableWarmUp() // the default warm-up calls an outside site
        .disableCaching()
        .disableFollowRedirect();
  }

  /**
   * {@code POST /v1/events} with a body of fresh events; OK only for a 202 that accepted every event
   * (a single envelope answers {@code status: accepted}, a batch {@code accepted: n}). Anything else,
   * a 503 of an overloaded gateway included, is KO and named by its status in the report.
   */
  static HttpRequestActionBuilder postEvents(String name, Params p) {
    HttpRequestActionBuilder req =
        http(name)
            .post("/v1/events")
            .header("content-type", p.format.contentType)
            .body(StringBody(session -> Events.body(p.format, p.events, p.eventBytes)));
    if (p.events == 1 && p.format == Events.Format.JSON) {
      return req.check(status().is(202), jsonPath("$.status").is("accepted"));
    }
    return req.check(status().is(202), jsonPath("$.accepted").ofInt().is(p.events));
  }
}
