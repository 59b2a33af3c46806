package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import dev.sluice.grpc.v1.Event;
import dev.sluice.grpc.v1.Result;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Ports;
import dev.sluice.testsupport.SelfSignedCert;
import io.grpc.Status;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The gRPC sink (Vert.x gRPC client) against a grpc-java server on a real port. */
@ExtendWith(VertxExtension.class)
class GrpcSinkTest {

  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final byte[] BODY = "{\"data\":{\"s\":\"\uFEFFcaf\u00e9\"}}".getBytes(StandardCharsets.UTF_8);

  @TempDir static Path dir;
  private static SelfSignedCert cert;

  @BeforeAll
  static void certificate() {
    cert = SelfSignedCert.create(dir);
  }

  @Test
  void anOkResultIsDoneAndTheCallCarriesOneEventWithItsMetadata(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, answering(Result.Status.OK, ""))) {
      SinkResult r = deliver(vertx, grpc(receiver.port()), null, request(2000));

      assertThat(r).isEqualTo(SinkResult.done(0));
      assertThat(receiver.calls()).hasSize(1);
      GrpcJava.Call call = receiver.calls().get(0);
      assertThat(call.deadlineMs()).isNotNull().isBetween(1L, 2000L);
      assertThat(call.request().getEventsList()).containsExactly(Event.newBuilder()
          .setEventId("e-1").setEventType("order.created").setEventVersion("3").setTopic("orders")
          .setKey("order-9").setCorrelationId("corr").setTraceparent(TRACEPARENT)
          .setEnvelope(ByteString.copyFrom(BODY)).build());
    }
  }

  @Test
  void absentValuesAreSentEmpty(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, answering(Result.Status.OK, ""))) {
      SinkRequest r = new SinkRequest("e-1", null, null, null, null, null, "orders", BODY, 2000);
      assertThat(deliver(vertx, grpc(receiver.port()), null, r).done()).isTrue();
      Event e = receiver.calls().get(0).request().getEvents(0);
      assertThat(e.getEventType() + e.getEventVersion() + e.getKey() + e.getCorrelationId() + e.getTraceparent())
          .isEmpty();
    }
  }

  @Test
  void aRetryResultIsRetriedWithItsMessage(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, answering(Result.Status.RETRY, "busy"))) {
      assertThat(deliver(vertx, grpc(receiver.port()), null, request(2000)))
          .isEqualTo(SinkResult.retry(DeadLetter.CLASS_STATUS, 0, "busy", 0, false));
    }
  }

  @Test
  void aRejectResultIsPermanentWithItsMessage(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, answering(Result.Status.REJECT, "order unknown"))) {
      assertThat(deliver(vertx, grpc(receiver.port()), null, request(2000)))
          .isEqualTo(SinkResult.permanent(DeadLetter.CLASS_STATUS, 0, "order unknown"));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "ABORTED", "INTERNAL",
      "UNKNOWN", "CANCELLED", "DEADLINE_EXCEEDED"})
  void transientStatusesAreRetriedWithTheirCode(Status.Code code, Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, req -> {
      throw Status.fromCode(code).withDescription("told so").asRuntimeException();
    })) {
      SinkResult r = deliver(vertx, grpc(receiver.port()), null, request(2000));
      assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
      assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_STATUS);
      assertThat(r.status()).isEqualTo(code.value());
      assertThat(r.response()).contains(code.name()).contains("told so");
      assertThat(r.ambiguous()).isEqualTo(code == Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = {"INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED",
      "UNAUTHENTICATED", "UNIMPLEMENTED", "NOT_FOUND", "ALREADY_EXISTS", "OUT_OF_RANGE", "DATA_LOSS"})
  void otherStatusesArePermanentWithTheirCode(Status.Code code, Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, req -> {
      throw Status.fromCode(code).withDescription("never").asRuntimeException();
    })) {
      SinkResult r = deliver(vertx, grpc(receiver.port()), null, request(2000));
      assertThat(r.kind()).isEqualTo(SinkResult.Kind.PERMANENT);
      assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_STATUS);
      assertThat(r.status()).isEqualTo(code.value());
      assertThat(r.response()).contains("never");
    }
  }

  @Test
  void anAnswerWithoutExactlyOneResultIsRetried(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(0, req -> DeliverResponse.getDefaultInstance())) {
      SinkResult r = deliver(vertx, grpc(receiver.port()), null, request(2000));
      assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
      assertThat(r.status()).isEqualTo(0);
      assertThat(r.response()).contains("0 results");
    }
  }

  @Test
  void aSlowServiceIsAnAmbiguousTimeoutAtTheDeadline(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.plain(3000, answering(Result.Status.OK, ""))) {
      long started = System.nanoTime();
      SinkResult r = deliver(vertx, grpc(receiver.port()), null, request(1000));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
      assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_TIMEOUT);
      assertThat(r.status()).isNull();
      assertThat(r.ambiguous()).isTrue();
      assertThat(tookMs).isBetween(900L, 2900L);
    }
  }

  @Test
  void aServiceThatIsDownIsAnUnambiguousConnectionRetry(Vertx vertx) throws Exception {
    SinkResult r = deliver(vertx, grpc(Ports.free()), null, request(2000));
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
    assertThat(r.status()).isNull();
    assertThat(r.ambiguous()).isFalse();
  }

  @Test
  void grpcsSpeaksTls(Vertx vertx) throws Exception {
    try (GrpcJava.Receiver receiver = GrpcJava.Receiver.tls(cert, answering(Result.Status.OK, ""))) {
      URI uri = URI.create("grpcs://127.0.0.1:" + receiver.port());
      assertThat(deliver(vertx, uri, new PemTrustOptions().addCertPath(cert.certPem().toString()), request(3000)))
          .isEqualTo(SinkResult.done(0));
      // with the JVM's own trust the self-signed certificate is refused: nothing is sent
      SinkResult untrusted = deliver(vertx, uri, null, request(3000));
      assertThat(untrusted.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
      assertThat(receiver.calls()).hasSize(1);
    }
  }

  @Test
  void describesItselfByHostAndPort(Vertx vertx) {
    GrpcSink sink = new GrpcSink(vertx, URI.create("grpc://127.0.0.1:9191"), 1);
    assertThat(sink.describe()).isEqualTo("grpc:127.0.0.1:9191");
    sink.close().await();
  }

  /** Delivers on an event loop, as a subscription does, and closes the sink; the future must not fail. */
  private static SinkResult deliver(Vertx vertx, URI uri, TrustOptions trust, SinkRequest r) throws Exception {
    Promise<SinkResult> result = Promise.promise();
    vertx.runOnContext(v -> {
      GrpcSink sink = trust == null ? new GrpcSink(vertx, uri, 2) : new GrpcSink(vertx, uri, 2, trust);
      Future<SinkResult> delivered = sink.deliver(r);
      delivered.onComplete(ar -> sink.close().onComplete(c -> result.handle(ar)));
    });
    return result.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static URI grpc(int port) {
    return URI.create("grpc://127.0.0.1:" + port);
  }

  private static SinkRequest request(long timeoutMs) {
    return new SinkRequest("e-1", "order.created", "3", "corr", TRACEPARENT, "order-9", "orders", BODY, timeoutMs);
  }

  private static Function<DeliverRequest, DeliverResponse> answering(Result.Status status, String message) {
    return req -> {
      DeliverResponse.Builder b = DeliverResponse.newBuilder();
      req.getEventsList().forEach(e -> b.addResults(Result.newBuilder().setStatus(status).setMessage(message)));
      return b.build();
    };
  }
}
