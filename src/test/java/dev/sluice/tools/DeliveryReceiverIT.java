package dev.sluice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.GrpcTargetConfig;
import dev.sluice.fallback.GrpcTarget;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.ReceiverProcess;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The receiver shipped in the jar, run as a person runs it, fed by the gateway's gRPC fallback client. */
@ExtendWith(VertxExtension.class)
class DeliveryReceiverIT {

  @Test
  void takesTheTargetsEventsInOrderAndStopsCleanly(Vertx vertx) throws Exception {
    try (ReceiverProcess receiver = ReceiverProcess.start()) {
      List<Event> events = events(5);

      Outcome[] out = deliver(vertx, receiver.port(), 2000, events);

      assertThat(out).allSatisfy(o -> assertThat(o.via()).isEqualTo("grpc:local"));
      assertThat(receiver.received()).extracting(l -> new JsonObject(l).getString("eventId"))
          .containsExactlyElementsOf(events.stream().map(Event::eventId).toList());

      receiver.sigterm();
      assertThat(receiver.waitForExit(Duration.ofSeconds(10))).as(receiver.logTail(20)).hasValue(143);
    }
  }

  @Test
  void slowerThanTheDeadlineThenDownGivesRetryableFailures(Vertx vertx) throws Exception {
    try (ReceiverProcess receiver = ReceiverProcess.start("--delay-ms", "2000")) {
      long t0 = System.nanoTime();
      Outcome[] slow = deliver(vertx, receiver.port(), 300, events(2));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
      assertThat(slow).allSatisfy(o -> {
        assertThat(o.failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
        assertThat(o.message()).contains("deadline of 300 ms");
      });

      receiver.kill();
      Outcome[] down = deliver(vertx, receiver.port(), 300, events(1));
      assertThat(down[0].failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
      assertThat(down[0].message()).contains("not reachable");
    }
  }

  private static Outcome[] deliver(Vertx vertx, int port, int deadlineMs, List<Event> events) throws Exception {
    String[] topics = events.stream().map(e -> "orders").toArray(String[]::new);
    Promise<Outcome[]> result = Promise.promise();
    vertx.runOnContext(v -> {
      GrpcTarget target = new GrpcTarget(vertx, new GrpcTargetConfig("local", "127.0.0.1", port, deadlineMs, false,
          null));
      target.deliver(events, topics, null).onComplete(ar -> target.close().onComplete(c -> result.handle(ar)));
    });
    return result.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static List<Event> events(int n) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = Envelopes.newId();
      events.add(new Event(i, id, "order.created", "1", "order-1", null,
          Envelopes.envelope(id, "order.created", "order-1", null, "{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    return events;
  }
}
