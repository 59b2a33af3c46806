package dev.sluice.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.GrpcTargetConfig;
import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import dev.sluice.grpc.v1.Result;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Ports;
import dev.sluice.testsupport.SelfSignedCert;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vert.x gRPC client of a fallback target against a grpc-java server on a real port: another
 * implementation, as a downstream service would be.
 */
@ExtendWith(VertxExtension.class)
class GrpcTargetTest {

  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @TempDir static Path dir;
  private static SelfSignedCert cert;

  @BeforeAll
  static void certificate() {
    cert = SelfSignedCert.create(dir);
  }

  @Test
  void anOkAnswerDeliversEveryEventByTheTargetWithItsMetadata(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, answering(Result.Status.OK))) {
      List<Event> events = List.of(event(0, "order-1", "corr-a"), event(1, null, null), event(2, "order-1", "c"));
      String[] topics = {"orders", "events", "orders"};

      Outcome[] out = deliver(vertx, config("orders-service", receiver.port(), 2000, false, null), events, topics);

      assertThat(out).hasSize(3).allSatisfy(o -> {
        assertThat(o.isAccepted()).isTrue();
        assertThat(o.status()).isEqualTo("delivered");
        assertThat(o.via()).isEqualTo("grpc:orders-service");
      });
      assertThat(out).extracting(Outcome::topic).containsExactly("orders", "events", "orders");
      assertThat(receiver.calls()).hasSize(1);
      DeliverRequest got = receiver.calls().get(0).request();
      assertThat(got.getEventsList()).extracting(dev.sluice.grpc.v1.Event::getEventId)
          .containsExactly(events.get(0).eventId(), events.get(1).eventId(), events.get(2).eventId());
      dev.sluice.grpc.v1.Event first = got.getEvents(0);
      assertThat(first.getEventType()).isEqualTo("order.created");
      assertThat(first.getEventVersion()).isEqualTo("1");
      assertThat(first.getTopic()).isEqualTo("orders");
      assertThat(first.getKey()).isEqualTo("order-1");
      assertThat(first.getCorrelationId()).isEqualTo("corr-a");
      assertThat(first.getTraceparent()).isEqualTo(TRACEPARENT);
      assertThat(first.getEnvelope().toByteArray()).isEqualTo(events.get(0).value());
      // no aggregate id: the key is the event id; no correlation id: empty
      assertThat(got.getEvents(1).getKey()).isEqualTo(events.get(1).eventId());
      assertThat(got.getEvents(1).getCorrelationId()).isEmpty();
      // the deadline reached the server (grpc-timeout)
      assertThat(receiver.calls().get(0).deadlineMs()).isNotNull().isBetween(1L, 2000L);
    }
  }

  @Test
  void noEventsMakeNoCall(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, answering(Result.Status.OK))) {
      Outcome[] out = deliver(vertx, config("orders", receiver.port(), 2000, false, null), List.of(), topics(0));

      assertThat(out).isEmpty();
      assertThat(receiver.calls()).isEmpty();
    }
  }

  @Test
  void eachEventGetsItsOwnAnswer(Vertx vertx) throws Exception {
    Function<DeliverRequest, DeliverResponse> mixed = req -> DeliverResponse.newBuilder()
        .addResults(Result.newBuilder().setStatus(Result.Status.OK))
        .addResults(Result.newBuilder().setStatus(Result.Status.RETRY).setMessage("busy"))
        .addResults(Result.newBuilder().setStatus(Result.Status.REJECT).setMessage("order unknown"))
        .addResults(Result.newBuilder()) // no status
        .build();
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, mixed)) {
      List<Event> events = List.of(event(0, "k", null), event(1, "k", null), event(2, "k", null), event(3, "k", null));

      Outcome[] out = deliver(vertx, config("orders", receiver.port(), 2000, false, null), events, topics(4));

      assertThat(out[0].status()).isEqualTo("delivered");
      assertThat(out[1].failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
      assertThat(out[1].failure().retryable()).isTrue();
      assertThat(out[1].message()).contains("grpc:orders", "RETRY", "busy");
      assertThat(out[2].failure()).isEqualTo(Failure.FALLBACK_REJECTED);
      assertThat(out[2].failure().retryable()).isFalse();
      assertThat(out[2].message()).contains("grpc:orders", "rejected", "order unknown");
      assertThat(out[3].failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
      assertThat(out[3].message()).contains("grpc:orders", "no status");
    }
  }

  @Test
  void aLargeBatchAndItsAnswerGoThrough(Vertx vertx) throws Exception {
    // the largest batch the gateway takes (http.max-batch-events 10000), each answered with a message
    String why = "x".repeat(100);
    Function<DeliverRequest, DeliverResponse> rejectAll = req -> {
      DeliverResponse.Builder b = DeliverResponse.newBuilder();
      req.getEventsList().forEach(e -> b.addResults(Result.newBuilder().setStatus(Result.Status.REJECT).setMessage(why)));
      return b.build();
    };
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, rejectAll)) {
      List<Event> events = new java.util.ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        events.add(event(i, "k", null));
      }

      Outcome[] out = deliver(vertx, config("orders", receiver.port(), 10_000, false, null), events, topics(10_000));

      assertThat(out).allSatisfy(o -> assertThat(o.failure()).isEqualTo(Failure.FALLBACK_REJECTED));
    }
  }

  @Test
  void aReceiverSlowerThanTheDeadlineFailsEveryEventRetryablyAtTheDeadline(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(3000, answering(Result.Status.OK))) {
      long t0 = System.nanoTime();

      Outcome[] out = deliver(vertx, config("slow", receiver.port(), 300, false, null), List.of(event(0, "k", null),
          event(1, "k", null)), topics(2));

      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(out).allSatisfy(o -> {
        assertThat(o.failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
        assertThat(o.message()).contains("grpc:slow", "deadline", "300 ms", "eventId");
      });
      assertThat(tookMs).isBetween(250L, 300L + 700L);
    }
  }

  @Test
  void aTargetThatIsDownFailsEveryEventRetryablyAtOnce(Vertx vertx) throws Exception {
    int closed = Ports.free();
    long t0 = System.nanoTime();

    Outcome[] out = deliver(vertx, config("down", closed, 10_000, false, null), List.of(event(0, "k", null)), topics(1));

    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(out[0].failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
    assertThat(out[0].message()).contains("grpc:down", "127.0.0.1:" + closed, "not reachable");
    assertThat(tookMs).isLessThan(2000);
  }

  @Test
  void aCallFailingWithAStatusFailsEveryEventRetryablyNamingTheStatus(Vertx vertx) throws Exception {
    Function<DeliverRequest, DeliverResponse> down = req -> {
      throw Status.UNAVAILABLE.withDescription("in maintenance").asRuntimeException();
    };
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, down)) {
      Outcome[] out = deliver(vertx, config("orders", receiver.port(), 2000, false, null),
          List.of(event(0, "k", null), event(1, "k", null)), topics(2));

      assertThat(out).allSatisfy(o -> {
        assertThat(o.failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
        assertThat(o.message()).contains("grpc:orders", "UNAVAILABLE", "in maintenance");
      });
    }
  }

  @Test
  void anAnswerWithAnotherNumberOfResultsTakesNoEvent(Vertx vertx) throws Exception {
    Function<DeliverRequest, DeliverResponse> one = req -> DeliverResponse.newBuilder()
        .addResults(Result.newBuilder().setStatus(Result.Status.OK)).build();
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, one)) {
      Outcome[] out = deliver(vertx, config("orders", receiver.port(), 2000, false, null),
          List.of(event(0, "k", null), event(1, "k", null)), topics(2));

      assertThat(out).allSatisfy(o -> {
        assertThat(o.failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
        assertThat(o.message()).contains("grpc:orders", "1 results for 2 events");
      });
    }
  }

  @Test
  void tlsWithTheTrustedSelfSignedCertificateDelivers(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.tls(cert, answering(Result.Status.OK))) {
      Outcome[] out = deliver(vertx, config("secure", receiver.port(), 5000, true, cert.certPem()),
          List.of(event(0, "k", null)), topics(1));

      assertThat(out[0].status()).isEqualTo("delivered");
      assertThat(out[0].via()).isEqualTo("grpc:secure");
      assertThat(receiver.calls()).hasSize(1);
    }
  }

  @Test
  void tlsWithoutTrustInTheCertificateDeliversNothing(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.tls(cert, answering(Result.Status.OK))) {
      // the JVM's default trust store does not know the self-signed certificate
      Outcome[] out = deliver(vertx, config("secure", receiver.port(), 5000, true, null),
          List.of(event(0, "k", null)), topics(1));

      assertThat(out[0].failure()).isEqualTo(Failure.KAFKA_UNAVAILABLE);
      assertThat(out[0].message()).contains("grpc:secure");
      assertThat(receiver.calls()).isEmpty();
    }
  }

  @Test
  void forItsBreakerACallFailedWhenAnEventWasNotTakenForARetryableReason() {
    Outcome ok = Outcome.delivered("orders", "grpc:o");
    Outcome retry = Outcome.failed(Failure.KAFKA_UNAVAILABLE, "grpc:o cannot take the event now (RETRY)");
    Outcome reject = Outcome.failed(Failure.FALLBACK_REJECTED, "grpc:o rejected the event");
    assertThat(GrpcTarget.targetFailed(new Outcome[] {ok, ok})).isFalse();
    assertThat(GrpcTarget.targetFailed(new Outcome[] {ok, reject})).isFalse(); // the event's fault, not the target's
    assertThat(GrpcTarget.targetFailed(new Outcome[] {ok, retry})).isTrue();
  }

  @Test
  void behindItsBreakerATargetThatIsDownIsSoonNoLongerCalled(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GrpcTargetConfig down = config("down", Ports.free(), 1000, false, null);
    Promise<Throwable> sixth = Promise.promise();
    vertx.runOnContext(v -> {
      GrpcTarget target = new GrpcTarget(vertx, down);
      Breaker breaker = new Breaker(vertx, target.name(), 10_000, 5, 0.5, 60_000, registry);
      Future<Outcome[]> calls = Future.succeededFuture();
      for (int i = 0; i < 5; i++) {
        calls = calls.compose(x -> breaker.call(() -> target.deliver(List.of(event(0, "k", null)), topics(1), null),
            GrpcTarget::targetFailed));
      }
      calls.compose(x -> breaker.call(() -> target.deliver(List.of(event(0, "k", null)), topics(1), null),
              GrpcTarget::targetFailed))
          .onComplete(ar -> target.close().onComplete(c -> sixth.complete(ar.cause())));
    });

    Throwable err = sixth.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(Breaker.rejected(err)).as("the sixth call is not made: %s", err).isTrue();
    assertThat(registry.get("sluice.breaker.state").tag("breaker", "grpc:down").gauge().value()).isEqualTo(2.0);
  }

  // -- helpers

  /** Delivers on an event loop (as the route verticle does) and closes the target; the future must not fail. */
  private static Outcome[] deliver(Vertx vertx, GrpcTargetConfig config, List<Event> events, String[] topics)
      throws Exception {
    Promise<Outcome[]> result = Promise.promise();
    vertx.runOnContext(v -> {
      GrpcTarget target = new GrpcTarget(vertx, config);
      Future<Outcome[]> delivered = target.deliver(events, topics, TRACEPARENT);
      delivered.onComplete(ar -> target.close().onComplete(c -> result.handle(ar)));
    });
    return result.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static GrpcTargetConfig config(String name, int port, int deadlineMs, boolean tls, Path trustPem) {
    return new GrpcTargetConfig(name, "127.0.0.1", port, deadlineMs, tls, trustPem);
  }

  private static Function<DeliverRequest, DeliverResponse> answering(Result.Status status) {
    return req -> {
      DeliverResponse.Builder b = DeliverResponse.newBuilder();
      req.getEventsList().forEach(e -> b.addResults(Result.newBuilder().setStatus(status)));
      return b.build();
    };
  }

  private static Event event(int index, String aggregateId, String correlationId) {
    String id = Envelopes.newId();
    String envelope = Envelopes.envelope(id, "order.created", aggregateId, correlationId, "{\"n\":" + index + "}");
    return new Event(index, id, "order.created", "1", aggregateId, correlationId,
        envelope.getBytes(StandardCharsets.UTF_8));
  }

  private static String[] topics(int n) {
    String[] t = new String[n];
    java.util.Arrays.fill(t, "orders");
    return t;
  }
}
