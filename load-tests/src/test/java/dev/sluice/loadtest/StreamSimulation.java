package dev.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;

/**
 * WebSocket streaming ingest ({@code GET /v1/stream}), closed model: {@code users} (default 16) virtual
 * users, each on its own WebSocket, ramped up over {@code ramp} and held for {@code duration}. Each user
 * awaits the server's {@code hello} (with credits), then loops: send one text frame of {@code events}
 * (default 100) NDJSON envelopes and await its {@code ack} frame, so one frame is in flight per user, well
 * within the credit window (1000 by default). The response time of {@code frame} is send -> ack; events/s
 * = frames/s x events.
 *
 * <p>Gatling reports the send of each frame as {@code frame (...)} and the awaited ack as {@code ack}
 * (its response time = send -> ack). Passes when every frame is acked with {@code "type":"ack"} and
 * {@code credits} = events (a nack, an error frame or a timeout of {@code ackTimeoutSeconds}, default 10,
 * is a KO) and the p99 of {@code ack} is under {@code p99Ms} (default 100 ms); the assertion output also
 * prints the acks/s and the p50.
 */
public final class StreamSimulation extends Simulation {

  private final Params p = new Params(16, 100, 100);
  private final int ackTimeoutSeconds = Params.integer("ackTimeoutSeconds", 10);
  private volatile long deadlineNanos = Long.MAX_VALUE;

  public StreamSimulation() {
    System.out.println("StreamSimulation: " + p + " ackTimeoutSeconds=" + ackTimeoutSeconds
        + " (frames are NDJSON; -Dformat is ignored)");
    String wsBaseUrl = p.baseUrl.replaceFirst("^http", "ws");
    HttpProtocolBuilder protocol =
        http.baseUrl(p.baseUrl)
            .wsBaseUrl(wsBaseUrl)
            .userAgentHeader("sluice-load-tests/gatling")
            .disableWarmUp()
            .disableCaching()
            .disableFollowRedirect();
    Duration timeout = Duration.ofSeconds(ackTimeoutSeconds);
    String frameName = "frame (" + p.events + " events, ndjson)";

    var scn =
        scenario("stream")
            .exec(
                ws("connect /v1/stream")
                    .connect("/v1/stream")
                    .await(timeout)
                    .on(
                        ws.checkTextMessage("hello")
                            .check(
                                jsonPath("$.type").is("hello"),
                                jsonPath("$.credits").ofInt().gte(p.events))))
            .exec(
                asLongAs(session -> System.nanoTime() < deadlineNanos)
                    .on(
                        ws(frameName)
                            .sendText(session -> Events.body(Events.Format.NDJSON, p.events, p.eventBytes))
                            .await(timeout)
                            .on(
                                ws.checkTextMessage("ack")
                                    .check(
                                        jsonPath("$.type").is("ack"),
                                        jsonPath("$.credits").ofInt().is(p.events)))))
            .exec(ws("close").close());

    setUp(
            scn.injectClosed(
                rampConcurrentUsers(0).to(p.users).during(p.ramp),
                constantConcurrentUsers(p.users).during(p.duration)))
        .protocols(protocol)
        .maxDuration(p.ramp.plus(p.duration).plus(Duration.ofSeconds(30)))
        .assertions(
            global().failedRequests().percent().lte(p.maxKoPercent),
            // Gatling records the send of a frame (0-1 ms) apart from its awaited "ack": bound the ack
            details("ack").responseTime().percentile(99.0).lt(p.p99Ms),
            // not bounds, but Gatling prints their actual values: acks/s (x events = events/s) and p50
            details("ack").requestsPerSec().gt(0.0),
            details("ack").responseTime().percentile(50.0).lt(p.p99Ms));
  }

  @Override
  public void before() {
    // as ClosedModel: every loop ends ramp + duration (+ 1 s) from now, so all users stop together
    deadlineNanos = System.nanoTime() + p.ramp.plus(p.duration).plusSeconds(1).toNanos();
  }
}
